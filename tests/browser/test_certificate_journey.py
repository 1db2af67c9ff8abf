"""A trainee completes a small course and downloads the PDF; a visitor verifies it."""

import re

from test_accessibility import AXE
from test_trainee_journey import register

from test_load import small_course


def test_complete_download_the_pdf_and_a_visitor_verifies_it(serve, browser, page, tmp_path):
    app = serve(small_course(tmp_path))
    base = app.config["LIVE_URL"]
    register(page, base, "cert@example.org")
    page.goto(base + "/courses/sample/safety/")
    page.get_by_role("button", name="I have finished reading").click()
    page.get_by_role("link", name="Quick safety check").click()
    page.get_by_role("button", name="Start the role-play").click()
    for label in ["To one side", "Lower your voice", "Thank you for telling me"]:
        page.locator("label", has_text=label).click()
        page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", name="You passed").is_visible()
    page.goto(base + "/courses/sample/")
    page.get_by_role("link", name="Get your certificate").click()
    assert page.get_by_label("Your full legal name, as it will be printed").input_value() == "Robin Quinn Public"
    page.get_by_role("button", name="Receive my certificate").click()
    assert "Congratulations! Your certificate has been issued." in page.content()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    pdf = download_info.value
    target = tmp_path / pdf.suggested_filename
    pdf.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
    cert_id = re.search(r"certificate-([0-9A-Z-]{24})\.pdf", pdf.suggested_filename).group(1)

    visitor = browser.new_context(viewport={"width": 360, "height": 780}).new_page()
    visitor.goto(base + "/verify")
    visitor.get_by_label("Certificate ID").fill(cert_id.lower().replace("-", " "))
    visitor.get_by_role("button", name="Check").click()
    assert visitor.get_by_role("heading", name="Valid").is_visible()
    assert "Robin Quinn Public" in visitor.content() and "Sample Course" in visitor.content()
    assert "cert@example.org" not in visitor.content()
    visitor.goto(base + "/verify?id=" + cert_id[:-1] + ("0" if cert_id[-1] != "0" else "1"))
    assert "typing mistake" in visitor.content()
    visitor.context.close()

    # A list upload answers on screen, and the same results download as CSV (issue #19).
    checker = browser.new_context(viewport={"width": 360, "height": 780}, bypass_csp=True).new_page()
    ids = tmp_path / "ids.csv"
    ids.write_text(f"id\n{cert_id}\n0000-0000-0000-0000-0000\n")
    checker.goto(base + "/verify/bulk")
    checker.get_by_label("CSV file of certificate IDs").set_input_files(str(ids))
    checker.get_by_role("button", name="Check and show results").click()
    assert "2 IDs checked: 1 valid, 1 not found." in checker.content()
    assert checker.get_by_role("row", name=re.compile(cert_id)).get_by_text("Robin Quinn Public").is_visible()
    checker.add_script_tag(path=str(AXE))
    findings = checker.evaluate("async () => (await axe.run(document)).violations.map(v => v.id + ': ' + v.help)")
    assert findings == []
    with checker.expect_download() as download_info:
        checker.get_by_role("button", name="Download these results (CSV)").click()
    rows = download_info.value.path().read_text().splitlines()
    assert rows[1].startswith(f"{cert_id},{cert_id},valid,Robin Quinn Public") and ",not_found," in rows[2]
    checker.context.close()
