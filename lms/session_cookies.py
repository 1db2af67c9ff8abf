"""The session interface: Flask's signed cookies, each verified once per process."""

import copy
import time

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with two savings on every request: the signing serializer is
    built once per secret key, and a cookie whose signature was already verified is not verified
    and decompressed again (its age still is). A browser sends the same cookie until the session
    changes. (One of the three process-wide caches listed in docs/architecture.md.)"""

    VERIFIED_MAX = 4096

    def __init__(self):
        self._serializer: tuple = (None, None)
        #: cookie string -> (session data, time signed), for cookies this process has verified
        self._verified: dict = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._serializer[0] != key:
            self._serializer = (key, super().get_signing_serializer(app))
            self._verified = {}
        return self._serializer[1]

    def open_session(self, app: Flask, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        known = self._verified.get(value)
        if known is None:
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            if len(self._verified) >= self.VERIFIED_MAX:
                self._verified = {}
            known = self._verified[value] = (data, signed_at.timestamp())
        elif time.time() - known[1] > max_age:
            return self.session_class()
        return self.session_class(copy.deepcopy(known[0]))
