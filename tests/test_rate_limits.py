"""Rate limits: per client, per scope, with the headers docs/verifying.md promises, and shared between
app servers through a real Redis when RATELIMIT_STORAGE_URI names one."""

import os
import shutil
import subprocess
import time

import pytest

from helpers import post


def test_limited_responses_carry_the_documented_headers(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute;100 per day")
    visitor = app.test_client()
    first = visitor.get("/api/v1/certificates/0000-0000-0000-0000-0000")
    assert first.status_code == 404, "a well-formed ID that no certificate has"
    assert first.headers["X-RateLimit-Limit"] == "3" and first.headers["X-RateLimit-Remaining"] == "2"
    assert int(first.headers["X-RateLimit-Reset"]) > time.time()
    for _ in range(2):
        visitor.get("/verify")
    limited = visitor.get("/verify")  # the page and the API share one allowance
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 61
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Limit" not in visitor.get("/privacy").headers, "only limited views count"


def test_sign_in_limits_count_only_posts(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    visitor = app.test_client()
    assert all(visitor.get("/account/login").status_code == 200 for _ in range(5))
    codes = [
        post(visitor, "/account/login", {"email": "x@example.org", "password": "wrong password here"}).status_code
        for _ in range(3)
    ]
    assert codes[-1] == 429 and codes[0] != 429


def test_two_app_servers_share_one_allowance_through_redis(app_factory, redis_server):
    redis_socket = redis_server.socket
    """N processes behind a load balancer must not multiply a client's allowance by N."""
    settings = dict(
        RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI=f"redis+unix://{redis_socket}"
    )
    one, two = app_factory(**settings).test_client(), app_factory(**settings).test_client()
    codes = [client.get("/verify").status_code for client in (one, two, one, two)]
    assert codes == [200, 200, 200, 429]
