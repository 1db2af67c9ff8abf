"""No request of any kind produces a 500: every route, with junk arguments, for every kind of visitor."""
import itertools

import pytest

from helpers import PASSWORD, post

JUNK = ["x", "999999", "sample", "listening", "quick-check", "..", "%00", "a" * 300, "-1", "ünïcödé"]


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


@pytest.mark.parametrize("role", [None, "trainee", "trainer"])
def test_no_route_answers_500_to_junk(app, client, make_user, role):
    if role:
        make_user(email=f"{role}@example.org", role=role)
        post(client, "/account/login", {"email": f"{role}@example.org", "password": PASSWORD})
    seen = 0
    for rule, path in urls(app):
        for method in ("GET", "POST"):
            response = client.open(path, method=method, data={"position": "x", "scene": "../", "choice": "junk"})
            assert response.status_code < 500, (method, path, response.status_code)
            seen += 1
    assert seen > 100


def test_oversized_and_malformed_posts_are_refused_cleanly(client, trainee):
    big = post(client, "/account/password", {"current": "x" * (3 * 1024 * 1024)}, page="/account/password")
    assert big.status_code == 413
    weird = client.post("/account/login", data=b"\xff\xfe\x00garbage", content_type="application/x-www-form-urlencoded")
    assert weird.status_code == 400
