"""Issue #16, done when: a trainee picks the IC&RC pathway, earns a course certificate, logs experience and
supervision; supervisors confirm some entries (from an account and from a mailed link) and decline one; the
progress page shows the right totals; the trainee shares the portfolio, a board opens the link and verifies the
credential's signature against the JWKS; revoking the share link closes it."""

import re

import jwt
from sqlalchemy import select
from test_trainee_journey import register

from helpers import BUNDLED_CONTENT, PASSWORD
from test_load import small_course

SUPERVISOR_ACCOUNT, SUPERVISOR_BY_MAIL = "casey@example.org", "sam@example.org"


def content_with_icrc(tmp_path):
    """The small course, and the bundled IC&RC pathway counting it as training."""
    root = small_course(tmp_path)
    icrc = (BUNDLED_CONTENT / "pathways/icrc-peer-recovery.yaml").read_text()
    (root / "pathways/icrc-peer-recovery.yaml").write_text(
        icrc.replace("courses: [peer-specialist-core]", "courses: [sample]")
    )
    return root


def earn_certificate(page, base):
    page.goto(base + "/courses/sample/safety/")
    page.get_by_role("button", name="I have finished reading").click()
    page.get_by_role("link", name="Quick safety check").click()
    page.get_by_role("button", name="Start the role-play").click()
    for label in ["To one side", "Lower your voice", "Thank you for telling me"]:
        page.locator("label", has_text=label).click()
        page.get_by_role("button", name="Continue").click()
    page.goto(base + "/courses/sample/")
    page.get_by_role("link", name="Get your certificate").click()
    page.get_by_role("button", name="Receive my certificate").click()
    assert "Congratulations! Your certificate has been issued." in page.content()


def log_experience(page, base, on, hours, setting, name, email):
    page.goto(base + "/portfolio/experience/new")
    page.get_by_label("Date").fill(on)
    page.get_by_label("Hours worked").fill(hours)
    page.get_by_label("Where").fill(setting)
    page.get_by_label("What you did").fill("One-to-one peer support and a recovery planning session.")
    page.get_by_label("Your supervisor's name").fill(name)
    page.get_by_label("Your supervisor's email address").fill(email)
    page.get_by_role("button", name="Save").click()
    assert "It counts once" in page.content()


def log_supervision(page, base, on, minutes, name, email):
    page.goto(base + "/portfolio/supervision/new")
    page.get_by_label("Date").fill(on)
    page.get_by_label("Length in minutes").fill(minutes)
    page.get_by_label("One to one").check()
    page.get_by_label("Your supervisor's name").fill(name)
    page.get_by_label("Your supervisor's email address").fill(email)
    page.get_by_role("button", name="Save").click()
    assert "It counts once" in page.content()


def mailed_links(app, to):
    """The confirmation links in the mails to this address, written as delivery writes them (the outbox
    holds no link, only the link's id: each composing makes the link's token)."""
    from lms.extensions import db
    from lms.mail import OutboxMail, compose

    with app.app_context():
        mails = db.session.scalars(select(OutboxMail).where(OutboxMail.recipient == to).order_by(OutboxMail.id)).all()
        bodies = [compose(mail).get_content() for mail in mails]
        db.session.commit()  # the links' new token hashes, as delivery commits them before sending
        return [
            re.search(r"(/portfolio/confirm/\S+)", body).group(1) for body in bodies if "/portfolio/confirm/" in body
        ]


def requirement_line(page, label):
    return page.locator("li, tr", has_text=label).first.inner_text()


def test_the_whole_path_from_pathway_to_a_board_checking_the_signed_portfolio(serve, browser, page, tmp_path):
    app = serve(content_with_icrc(tmp_path))
    base = app.config["LIVE_URL"]
    with app.app_context():
        from lms.auth.operations import create_user
        from lms.extensions import db

        create_user(SUPERVISOR_ACCOUNT, PASSWORD, "Casey", "Casey Coach", role="supervisor", privacy_accepted=True)
        db.session.commit()
    register(page, base, "robin@example.org")
    earn_certificate(page, base)

    page.goto(base + "/portfolio/")
    page.get_by_label("Credential").select_option(label="IC&RC Peer Recovery (PR)")
    page.get_by_role("button", name="Track this credential").click()
    assert page.get_by_role("heading", name="IC&RC Peer Recovery (PR)", level=1).is_visible()

    log_experience(page, base, "2026-10-01", "6", "Drop-in centre", "Sam Supervisor", SUPERVISOR_BY_MAIL)
    log_experience(page, base, "2026-10-02", "4", "Warm line", "Casey Coach", SUPERVISOR_ACCOUNT)
    log_experience(page, base, "2026-10-03", "3", "Hospital ward", "Sam Supervisor", SUPERVISOR_BY_MAIL)
    log_supervision(page, base, "2026-10-04", "90", "Casey Coach", SUPERVISOR_ACCOUNT)

    # Sam has no account: each entry came as a single-use link by mail. Confirm one, decline the other.
    first, third = mailed_links(app, SUPERVISOR_BY_MAIL)
    sam = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sam.goto(base + first)
    assert "Drop-in centre" in sam.content() and "Robin Quinn Public" in sam.content()
    sam.get_by_role("button", name="Confirm").click()
    assert sam.get_by_role("heading", name="Thank you").is_visible()
    sam.goto(base + third)
    sam.get_by_label("Comment (required to decline)").fill("I did not supervise you on the ward that day.")
    sam.get_by_role("button", name="Decline").click()
    assert "now declined" in " ".join(sam.locator("main").inner_text().split())
    assert sam.goto(base + first).status == 410  # used once
    sam.context.close()

    # Casey signs in as a supervisor and sees only the two entries addressed to her.
    casey = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    casey.goto(base + "/account/login")
    casey.get_by_label("Email address").fill(SUPERVISOR_ACCOUNT)
    casey.get_by_label("Password").fill(PASSWORD)
    casey.get_by_role("button", name="Sign in").click()
    casey.goto(base + "/portfolio/supervise/")
    assert casey.get_by_role("link", name=re.compile("^Review")).count() == 2
    assert "Drop-in centre" not in casey.content()
    for _ in range(2):
        casey.get_by_role("link", name=re.compile("^Review")).first.click()
        casey.get_by_role("button", name="Confirm").click()
    assert casey.get_by_role("link", name=re.compile("^Review")).count() == 0
    casey.context.close()

    # Progress: 10 confirmed hours of experience (6 + 4; the declined 3 do not count), 1.5 of supervision,
    # and the certificate's 1 hour of ethics.
    page.goto(base + "/portfolio/pathways/icrc-peer-recovery")
    text = " ".join(page.locator("main").inner_text().split())
    assert re.search(r"Supervised work experience\D*10 of 500", text), text
    assert re.search(r"Supervision\D*1\.5 of 25", text), text
    assert re.search(r"Ethical responsibility\D*1 of 16", text), text

    # Share with a board, from the progress page.
    page.get_by_role("link", name="Share this portfolio with a certification board").click()
    page.get_by_label("Name this link").fill("IC&RC member board")
    page.get_by_label("Days the link stays open").fill("14")
    for label in ("Supervised work experience", "Supervision", "Ethical responsibility"):
        page.get_by_label(re.compile("^" + label + ":")).check()
    for option in page.locator("fieldset", has_text="Confirmed entries").get_by_role("checkbox").all():
        option.check()
    page.locator("fieldset", has_text="Course certificates").get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Make the share link").click()
    link = page.get_by_label("Copy this link and send it to the board:").input_value()
    assert re.fullmatch(re.escape(base) + r"/portfolio/shared/[A-Za-z0-9_-]{43}", link)

    board = browser.new_context(viewport={"width": 390, "height": 844})
    visit = board.new_page()
    visit.goto(link)
    shown = " ".join(visit.locator("main").inner_text().split())
    assert "Robin Quinn Public" in shown and "Sam Supervisor" in shown and "Casey Coach" in shown
    assert "Hospital ward" not in shown, "the declined entry is never shown"
    assert "robin@example.org" not in visit.content() and SUPERVISOR_BY_MAIL not in visit.content()
    token = visit.request.get(link + "/credential.jwt").text()
    jwks = visit.request.get(base + "/.well-known/jwks.json").json()
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        issuer=base + "/issuer",
        options={"require": ["iss", "sub", "jti", "nbf", "exp"]},
    )
    results = {
        d["name"]: r["value"]
        for d, r in zip(
            claims["credentialSubject"]["achievement"]["resultDescription"], claims["credentialSubject"]["result"]
        )
    }
    assert results == {
        "Ethical responsibility (hours)": "1",
        "Supervised work experience (hours)": "10",
        "Supervision (hours)": "1.5",
    }
    assert len([e for e in claims["evidence"] if e["genre"] == "Supervisor confirmation"]) == 3
    with visit.expect_download() as download:
        visit.get_by_role("link", name="Download this portfolio as a PDF").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")

    # The trainee closes the link: the board's page and the JSON are gone.
    page.goto(base + "/portfolio/shares/")
    page.get_by_role("button", name=re.compile("^Close this link")).click()
    assert "no longer opens your portfolio" in page.content()
    assert visit.goto(link).status == 404 and "Robin" not in visit.content()
    assert visit.request.get(link.replace("/portfolio/shared/", "/api/v1/portfolios/")).status == 404
    board.close()
