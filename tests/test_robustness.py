"""No request of any kind produces a 500: every route, with junk arguments, for every kind of visitor."""

import io
import itertools

import pytest
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter

from helpers import PASSWORD, csrf_token, post

HUGE = "99999999999999999999"  # more than any database integer holds (2**63 - 1; 2**31 - 1 for PostgreSQL's INTEGER)
JUNK = ["x", "999999", "sample", "listening", "quick-check", "..", "%00", "a" * 300, "-1", "ünïcödé", HUGE]
#: junk query values on every request: huge numbers, and CR/LF in `next`
QUERY = f"?page={HUGE}&inactive={HUGE}&cohort={HUGE}&next=/%0d%0aSet-Cookie:x=1"


def urls(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        args = sorted(rule.arguments)
        values = [JUNK] * len(args)
        for combo in itertools.islice(itertools.product(*values), 15):
            params = dict(zip(args, combo))
            try:
                path = rule.build(params, append_unknown=False)[1]
            except Exception:
                continue
            yield rule, path


@pytest.mark.parametrize("role", [None, "trainee", "trainer", "admin"])
def test_no_route_answers_500_to_junk(app, client, make_user, role):
    if role:
        make_user(email=f"{role}@example.org", role=role)
        post(client, "/account/login", {"email": f"{role}@example.org", "password": PASSWORD})
    seen = 0
    for rule, path in urls(app):
        for method in ("GET", "POST"):
            for url in (path, path + QUERY):
                response = client.open(url, method=method, data={"position": "x", "scene": "../", "choice": "junk"})
                assert response.status_code < 500, (method, url, response.status_code)
                seen += 1
    assert seen > 100


def int_routes(app, number):
    """Every route with an <int:...> part, built with `number` there and plausible values elsewhere."""
    for rule in app.url_map.iter_rules():
        ints = {name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)}
        if ints:
            values = {
                name: number if name in ints else _plausible(name, rule._converters.get(name))
                for name in rule.arguments
            }
            yield rule, rule.build(values, append_unknown=False)[1]


def _plausible(name, converter):
    """A value the route accepts for a part that is not the number: one of an <any(...)> part's words."""
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "csv" if name == "fmt" else "x"


@pytest.mark.parametrize("number", [HUGE, str(2**63), str(2**63 - 1), str(2**31)])
def test_huge_integers_in_urls_answer_404(app, client, make_user, number):
    make_user(email="admin@example.org", role="admin")  # an admin reaches every staff and admin page
    post(client, "/account/login", {"email": "admin@example.org", "password": PASSWORD})
    routes = list(int_routes(app, number))
    assert len(routes) >= 10
    for rule, path in routes:
        if "GET" in rule.methods:
            assert client.get(path).status_code == 404, path
        if "POST" in rule.methods:
            response = post(client, path, {"decision": "approve", "form": "status"}, page="/dashboard")
            assert response.status_code == 404, ("POST", path, response.status_code)


def test_huge_integers_in_query_values_are_ignored(app, client, make_user):
    from datetime import date

    from lms.auth.models import User
    from lms.cohorts.roster import create_cohort
    from lms.extensions import db

    make_user(email="admin@example.org", role="admin")
    post(client, "/account/login", {"email": "admin@example.org", "password": PASSWORD})
    admin = db.session.scalar(select(User))
    cohort = create_cohort("Spring", "sample", date(2027, 3, 1), date(2027, 6, 1), admin)
    db.session.commit()
    for value in (HUGE, "1000000000", "-5", "x"):
        assert client.get(f"/admin/users/?page={value}").status_code == 200, value
        assert client.get(f"/staff/cohorts/{cohort.id}?inactive={value}").status_code == 200, value
    for url in (f"/staff/grading/?cohort={HUGE}", f"/staff/analytics/safety/quick-check?cohort={HUGE}"):
        assert client.get(url).status_code == 200, "ignored, like ?cohort=x"


def test_cr_lf_in_next_falls_back_to_the_dashboard(app, client, trainee):
    from lms.urls import safe_next

    response = client.get("/account/login?next=/%0d%0aSet-Cookie:x=1")
    assert response.status_code == 302 and response.location == "/dashboard"
    with app.test_request_context():
        for bad in ("/\r\nSet-Cookie:x=1", "/a\nb", "/a\rb", "/\x00x", "/\tx", "/a\x7f"):
            assert safe_next(bad) == "/dashboard", repr(bad)
        assert safe_next("/courses/sample/?a=1") == "/courses/sample/" + "?a=1"


BIG_FIELD = "A" * (200 * 1024)  # more than the csv module's 128 KiB field limit


def test_an_oversized_csv_field_on_anonymous_bulk_verification_is_a_clear_422(app, client):
    for body in (BIG_FIELD + "\n", f'"{BIG_FIELD}"\n'):
        response = client.post(
            "/verify/bulk",
            data={"csrf_token": csrf_token(client, "/verify/bulk"), "file": (io.BytesIO(body.encode()), "ids.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert "too long" in response.get_data(as_text=True)


def test_roster_import_refuses_oversized_fields_and_malformed_emails(app, client, make_user):
    from datetime import date
    from html import unescape

    from lms.auth.models import User
    from lms.cohorts.models import CohortMember
    from lms.cohorts.roster import create_cohort
    from lms.extensions import db

    coach = make_user(email="coach@example.org", role="trainer")
    cohort = create_cohort("Spring", "sample", date(2027, 3, 1), date(2027, 6, 1), coach)
    db.session.commit()
    post(client, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    page = f"/staff/cohorts/{cohort.id}"

    def upload(text):
        response = client.post(
            f"{page}/import",
            data={"csrf_token": csrf_token(client, page), "file": (io.BytesIO(text.encode()), "roster.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        return unescape(client.get(page).get_data(as_text=True))

    shown = upload(f"ok@example.org,Ok,Ok Person\nbig@example.org,{BIG_FIELD},Big\n")
    assert "Nothing was imported" in shown and "line 2: a value is too long" in shown
    shown = upload("x\x00@example.org,X,X Person\n<script>@x.org,S,S Person\nfine@example.org,F,F Person\n")
    assert "Nothing was imported" in shown
    assert "line 1: 'x?@example.org' is not an email address" in shown, "control characters are not echoed"
    assert "line 2: '<script>@x.org' is not an email address" in shown
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 0


def test_oversized_and_malformed_posts_are_refused_cleanly(client, trainee):
    big = post(client, "/account/password", {"current": "x" * (3 * 1024 * 1024)}, page="/account/password")
    assert big.status_code == 413
    weird = client.post("/account/login", data=b"\xff\xfe\x00garbage", content_type="application/x-www-form-urlencoded")
    assert weird.status_code == 400


@pytest.mark.parametrize(
    "email",
    [
        "a@example.org",
        "x\x00@example.org",
        "<script>@x.org",
        "a b@example.org",
        "@x.org",
        "a@",
        "a@b",
        "ünï@example.org",
        "a@example.org\n",
        "a" * 250 + "@x.org",
        "a..b@x.org",
    ],
)
def test_the_roster_import_checks_emails_as_registration_does(app, email):
    from werkzeug.datastructures import MultiDict

    from lms.auth.forms import RegisterForm
    from lms.inputs import is_email

    with app.test_request_context(method="POST"):
        form = RegisterForm(formdata=MultiDict({"email": email}), meta={"csrf": False})
        form.validate()
        assert is_email(email.strip()) == ("email" not in form.errors), email  # both strip surrounding space
