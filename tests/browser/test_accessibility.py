"""Every page of the trainee, trainer and verifier journeys, checked in real Chromium by axe-core
(zero violations at any impact, WCAG 2.2 AA rules included), by the Nu Html Checker (zero errors),
for no horizontal scrolling at 360 px, and screenshotted at 360 and 1280 px for people to look at."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from certificate_helpers import pass_everything
from helpers import PASSWORD, TEST_CONTENT

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules/axe-core/axe.min.js"
VNU = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
SCREENSHOT_PAGES = {"dashboard", "lesson", "scene", "result", "certificate", "verify-result"}


def need_tools():
    missing = [str(p.relative_to(ROOT)) for p in (AXE, VNU) if not p.exists()]
    if shutil.which("java") is None:
        missing.append("java (apt-get install -y default-jre-headless)")
    if missing:
        message = f"accessibility checkers missing ({', '.join(missing)}): run `npm install` in the project folder"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def sign_in(page, base, email):
    page.goto(base + "/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def build_world(app, page, base):
    """A trainee part-way through and finished, with a result, a pending written answer and a certificate."""
    from lms.auth.operations import create_user
    from lms.extensions import db

    with app.app_context():
        from datetime import date

        from lms.cohorts.roster import add_member, create_cohort

        trainee = create_user("trainee@example.org", PASSWORD, "Robin", "Robin Quinn Public", privacy_accepted=True)
        coach = create_user("coach@example.org", PASSWORD, "Casey", "Casey Coach", role="trainer")
        create_user("admin@example.org", PASSWORD, "Ari", "Ari Admin", role="admin")
        cohort = create_cohort("Spring 2027", "sample", date(2027, 3, 1), date(2027, 6, 1), coach)
        add_member(cohort, trainee)
        # Imported trainees who have not signed in yet: the trainer's invite-links pages list them.
        from lms.cohorts.roster import import_roster

        import_roster(cohort, "sky@example.org,Sky,Sky Imported\nriver@example.org,River,River Imported\n", coach.id)
        db.session.commit()
        trainee_id, cohort_id, join_code = trainee.id, cohort.id, cohort.join_code
    sign_in(page, base, "trainee@example.org")
    page.goto(base + "/courses/sample/safety/roleplay/quick-check/")
    page.get_by_role("button", name="Start the role-play").click()
    for label in ["Between the peer", "Lower your voice", "Thank you for telling me"]:
        page.locator("label", has_text=label).click()
        page.get_by_role("button", name="Continue").click()
    result_url = page.url
    page.goto(base + "/courses/sample/listening/roleplay/first-visit/")
    page.get_by_role("button", name="Start the role-play").click()
    page.locator("label", has_text="It sounds like").click()
    page.get_by_role("button", name="Continue").click()
    scene_url = page.url
    page.locator("label", has_text="Have you tried").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Write what you would say").fill("It sounds like you feel really alone. Can you tell me more?")
    page.get_by_role("button", name="Submit my answer").click()
    pending_url = page.url
    from playwright.sync_api import Page  # noqa: F401

    # Unfinished attempts: a choice scene showing immediate feedback, and a written scene.
    page.goto(base + "/courses/sample/safety/roleplay/quick-check/")
    page.get_by_role("button", name="Try again").click()
    page.locator("label", has_text="To one side").click()
    page.get_by_role("button", name="Continue").click()
    feedback_scene_url = page.url
    # While attempt 1 waits for grading the page offers no "Try again"; start attempt 2 as a deliberate form post.
    from helpers import post

    client = app.test_client()
    post(client, "/account/login", {"email": "trainee@example.org", "password": PASSWORD})
    post(client, "/courses/sample/listening/roleplay/first-visit/start", page="/dashboard")
    page.goto(base + "/courses/sample/listening/roleplay/first-visit/")
    page.get_by_role("button", name="Resume where you left off").click()
    page.locator("label", has_text="It sounds like").click()
    page.get_by_role("button", name="Continue").click()
    page.locator("label", has_text="What's that been like").click()
    page.get_by_role("button", name="Continue").click()
    written_scene_url = page.url
    pass_everything(app, client, trainee_id)
    page.goto(base + "/courses/sample/certificate")
    claim_url = page.url
    page.get_by_role("button", name="Receive my certificate").click()
    certificate_url = page.url
    with app.app_context():
        from lms.assessments.models import Attempt
        from lms.certificates.models import Certificate

        cert_id = db.session.scalars(select(Certificate)).one().id
        pending_id = db.session.scalars(select(Attempt).where(Attempt.state == "pending")).first().id
    return {
        "result": result_url,
        "scene": feedback_scene_url,
        "scene-written": written_scene_url,
        "pending": pending_url,
        "claim": claim_url,
        "certificate": certificate_url,
        "cert_id": cert_id,
        "pending_id": pending_id,
        "cohort_id": cohort_id,
        "trainee_id": trainee_id,
        "join_code": join_code,
        "scene_first": scene_url,
    }


def build_author_world(app, page, base):
    """An author's pages: a candidate whose lesson has an error, and a practice walk from the second scene."""
    from lms.extensions import db
    from lms.publishing import api
    from lms.publishing.models import Source

    with app.app_context():
        files = api.live_files()
        lesson = files["modules/listening/index.md"].replace(b"minutes: 120", b"minutes: ten", 1)
        candidate = api.create_candidate(
            {**files, "modules/listening/index.md": lesson},
            based_on=api.live_fingerprint(),
            source=Source.EDITOR,
            user=None,
        )
        db.session.commit()
        candidate_id = candidate.id
    page.wait_for_url(lambda url: "/account/login" not in url)  # signed in
    page.goto(base + "/publishing/roleplays/listening/first-visit/")
    page.get_by_role("button", name=re.compile(r"Try from this scene\W+feelings")).click()
    page.locator("label").first.click()
    page.get_by_role("button", name="Continue").click()
    return {"candidate_id": candidate_id, "walk": page.url}


def build_portfolio_world(app, world):
    """Sharing and supervision: a confirmed entry, a share link, a supervisor account, an open and a used mailed link."""
    from datetime import date

    from lms.auth.models import User
    from lms.auth.operations import create_user
    from lms.content import catalog
    from lms.extensions import db
    from lms.portfolio import share, supervision
    from lms.portfolio.models import ExperienceEntry, PathwayChoice

    with app.app_context():
        base = app.config["PUBLIC_URL"]
        trainee = db.session.get(User, world["trainee_id"])
        create_user("sam@example.org", PASSWORD, "Sam", "Sam Supervisor", role="supervisor", privacy_accepted=True)
        db.session.add(PathwayChoice(user_id=trainee.id, pathway_slug="sample-credential"))
        entries = [
            ExperienceEntry(
                user_id=trainee.id,
                worked_on=date(2026, 10, day),
                minutes=240,
                setting="Drop-in centre",
                activity="Peer support",
                supervisor_name=name,
                supervisor_email=email,
            )
            for day, name, email in (
                (1, "Sam Supervisor", "sam@example.org"),
                (2, "Sam Supervisor", "sam@example.org"),
                (3, "Lee Mentor", "lee@example.org"),
                (4, "Lee Mentor", "lee@example.org"),
            )
        ]
        db.session.add_all(entries)
        db.session.flush()
        supervision.decide_as_supervisor(
            db.session.scalar(select(User).where(User.email == "sam@example.org")), entries[0], "confirm", "Seen it."
        )
        links = {}
        for name, entry in (("open", entries[2]), ("used", entries[3])):
            supervision.request_confirmation(entry, trainee, base)
            links[name] = mailed_token(db, "lee@example.org")
        opened = supervision.open_link(links["used"].rsplit("/", 1)[1])
        supervision.decide_by_link(*opened, "confirm", "")
        pathway = catalog().pathway("sample-credential")
        selection = {
            "requirements": ["experience", "training"],
            "entries": [f"experience-{entries[0].id}"],
            "certificates": [world["cert_id"]],
        }
        _, token = share.create(
            trainee, "Board", selection, share.take_snapshot(trainee, pathway, selection, 30, base), base
        )
        db.session.commit()
        return {"share_token": token, "open_link": links["open"], "used_link": links["used"], "entry_id": entries[1].id}


def mailed_token(db, to):
    """The confirmation link of the newest mail to this address, written as delivery writes it."""
    from lms.mail import OutboxMail, compose

    mail = db.session.scalars(
        select(OutboxMail).where(OutboxMail.recipient == to).order_by(OutboxMail.id.desc())
    ).first()
    body = compose(mail).get_content()
    db.session.commit()  # the link's new token hash, as delivery commits it before sending
    return re.search(r"(/portfolio/confirm/\S+)", body).group(1)


def page_list(base, world):
    anonymous = {
        "home": "/",
        "register": "/account/register",
        "login": "/account/login",
        "forgot": "/account/forgot",
        "catalogue": "/courses/",
        "course-public": "/courses/sample/",
        "support": "/support",
        "privacy": "/privacy",
        "verify": "/verify",
        "verify-result": f"/verify/{world['cert_id']}",
        "verify-mistyped": "/verify?id=7KQ2-M9XD-4RTV-H3NB-C8WE",
        "verify-bulk": "/verify/bulk",
        "verify-guide": "/verify/guide",
        "not-found": "/no/such/page",
        "join-invite": f"/join/{world['join_code']}",
        "portfolio-shared": f"/portfolio/shared/{world['share_token']}",
        "supervisor-link": world["open_link"],
        "supervisor-link-used": world["used_link"],
    }
    trainee = {
        "dashboard": "/dashboard",
        "course": "/courses/sample/",
        "lesson": "/courses/sample/listening/",
        "lesson-last-section": "/courses/sample/listening/?section=2",
        "lesson-content-note": "/courses/sample/safety/",
        "roleplay-intro": "/courses/sample/safety/roleplay/quick-check/",
        "scene": world["scene"],
        "scene-written": world["scene-written"],
        "result": world["result"],
        "pending-result": world["pending"],
        "claim": "/courses/sample/certificate",
        "certificate": world["certificate"],
        "account": "/account/password",
        "account-profile": "/dashboard/profile",
        "join": "/join",
        "portfolio": "/portfolio/",
        "portfolio-pathway": "/portfolio/pathways/sample-credential",
        "portfolio-records": "/portfolio/records",
        "portfolio-experience": "/portfolio/experience/new",
        "portfolio-supervision": "/portfolio/supervision/new",
        "portfolio-training": "/portfolio/training/new",
        "portfolio-ce": "/portfolio/ce/new",
        "portfolio-exam": "/portfolio/pathways/sample-credential/exam",
        "portfolio-certification": "/portfolio/pathways/sample-credential/certification",
        "portfolio-shares": "/portfolio/shares/",
        "portfolio-share-new": "/portfolio/shares/new/sample-credential",
    }
    trainer = {
        "grading-queue": "/staff/grading/",
        "grade": f"/staff/grading/{world['pending_id']}",
        "staff-certificates": "/staff/certificates/",
        "manage-certificate": f"/staff/certificates/{world['cert_id']}",
        "audit-log": "/admin/audit/",
        "two-factor-setup": "/account/two-factor",
        "trainer-home": "/staff/",
        "cohort": f"/staff/cohorts/{world['cohort_id']}",
        "cohort-inactive": f"/staff/cohorts/{world['cohort_id']}?inactive=7",
        "invites": f"/staff/cohorts/{world['cohort_id']}/invites",
        "trainee-record": f"/staff/trainees/{world['trainee_id']}",
        "analytics": f"/staff/analytics/safety/quick-check?cohort={world['cohort_id']}",
        "portfolio-reviews": "/portfolio/staff/",
        "portfolio-trainee": f"/portfolio/staff/trainees/{world['trainee_id']}",
    }
    edit = f"/publishing/candidates/{world['candidate_id']}/edit/"
    admin = {
        "users": "/admin/users/",
        "user": f"/admin/users/{world['trainee_id']}",
        "rolemaps": "/publishing/roleplays/",
        "rolemap": "/publishing/roleplays/listening/first-visit/",
        "rolemap-try": world["walk"],
        "edit-home": "/publishing/edit",
        "edit-files": edit,
        "edit-lesson": edit + "modules/listening/index.md",
        "edit-roleplay": edit + "modules/listening/first-visit.quiz.md",
        "edit-course": edit + "courses/sample.md",
    }
    supervisor = {
        "supervise": "/portfolio/supervise/",
        "supervise-entry": f"/portfolio/supervise/experience/{world['entry_id']}",
    }
    absolute = lambda pages: {name: url if url.startswith("http") else base + url for name, url in pages.items()}  # noqa: E731
    return absolute(anonymous), absolute(trainee), absolute(trainer), absolute(admin), absolute(supervisor)


def axe(page, name, url, findings):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {rules: {'target-size': {enabled: true}}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    for violation in result:
        findings.append(
            f"axe {name} ({url}): {violation['id']} [{violation['impact']}] {violation['help']} at {violation['nodes']}"
        )


def check_page(page, name, url, html_dir, shots_dir, findings):
    """Open `url` and check it; with url None, check the page the browser is on (a form's answer)."""
    if url is None:
        url = page.url
        (html_dir / f"{name}.html").write_text(page.content())
    else:
        (html_dir / f"{name}.html").write_text(page.goto(url).text())
    axe(page, name, url, findings)
    if name == "certificate" and page.get_by_role("button", name="Copy link", exact=True).count() != 1:
        findings.append("certificate: the share box has no Copy link button")
    title, h1s = page.title(), page.locator("h1").count()
    if not title.endswith("· Peer Specialist Training") or "<" in title or len(title) > 120:
        findings.append(f"{name}: page title does not say where you are: {title[:80]!r}")
    if h1s != 1:
        findings.append(f"{name}: {h1s} h1 headings (one expected)")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        widest = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
            .slice(-3).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))""")
        findings.append(f"{name}: scrolls sideways by {overflow}px at 360 px wide ({widest})")
    if name == "lesson":
        page.emulate_media(media="print")
        hidden = page.evaluate(
            "['.site-header', '.site-footer', '.pager'].every(s => getComputedStyle(document.querySelector(s)).display === 'none')"
        )
        if not hidden:
            findings.append("lesson: the print stylesheet still shows navigation")
        page.emulate_media(media="screen")
    if name in SCREENSHOT_PAGES:
        page.screenshot(path=str(shots_dir / f"{name}-360.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(shots_dir / f"{name}-1280.png"), full_page=True)
        page.set_viewport_size({"width": 360, "height": 780})


def test_every_page_of_the_three_journeys_is_accessible(serve, browser, tmp_path_factory):
    need_tools()
    app = serve(TEST_CONTENT)
    base = app.config["LIVE_URL"]
    html_dir = tmp_path_factory.mktemp("html")
    shots_dir = Path(os.environ.get("LMS_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    shots_dir.mkdir(parents=True, exist_ok=True)
    findings: list[str] = []
    # bypass_csp lets axe be injected; the pages themselves are unchanged.
    contexts = {
        who: browser.new_context(viewport={"width": 360, "height": 780}, bypass_csp=True)
        for who in ("anonymous", "trainee", "trainer", "admin", "supervisor")
    }
    pages = {who: context.new_page() for who, context in contexts.items()}
    world = build_world(app, pages["trainee"], base)
    world.update(build_portfolio_world(app, world))
    sign_in(pages["trainer"], base, "coach@example.org")
    sign_in(pages["admin"], base, "admin@example.org")
    world.update(build_author_world(app, pages["admin"], base))
    sign_in(pages["supervisor"], base, "sam@example.org")
    anonymous, trainee, trainer, admin, supervisor = page_list(base, world)
    for who, listing in (
        ("anonymous", anonymous),
        ("trainee", trainee),
        ("trainer", trainer),
        ("admin", admin),
        ("supervisor", supervisor),
    ):
        for name, url in listing.items():
            check_page(pages[who], name, url, html_dir, shots_dir, findings)
    # The invite links a trainer made (a form's answer, shown once), on screen and as printed.
    trainer_page = pages["trainer"]
    trainer_page.goto(trainer["invites"])
    trainer_page.get_by_role("button", name="Make invite links").click()
    check_page(trainer_page, "invite-links", None, html_dir, shots_dir, findings)
    trainer_page.emulate_media(media="print")
    hidden = trainer_page.evaluate("""['.site-header', '.site-footer', '.no-print', '.copy-field', '.copy-button']
        .every(s => [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none'))""")
    written = trainer_page.evaluate("[...document.querySelectorAll('.invite-url')].every(e => e.offsetHeight > 0)")
    if not hidden or not written:
        findings.append("invite-links: the print view shows navigation or buttons, or not the links written out")
    axe(trainer_page, "invite-links-print", trainer_page.url, findings)
    trainer_page.emulate_media(media="screen")
    for context in contexts.values():
        context.close()
    vnu = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--errors-only", *sorted(map(str, html_dir.glob("*.html")))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    for message in json.loads(vnu.stderr or '{"messages": []}')["messages"]:
        findings.append(f"vnu {Path(message.get('url', '')).name}:{message.get('lastLine')}: {message['message']}")
    assert findings == [], "\n".join(findings)
    assert {p.name for p in shots_dir.glob("*.png")} >= {f"{n}-{w}.png" for n in SCREENSHOT_PAGES for w in (360, 1280)}
