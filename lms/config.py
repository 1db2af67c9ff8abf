"""Settings: defaults, then the environment, then the test config. Nothing is read at import time."""

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask.cli import ScriptInfo


class StartupRefused(click.ClickException):
    """The app will not start (broken content, weak secret); click prints it without a traceback."""


#: Keys that appear in tutorials and leaked configs; a deployment using one is refused.
WELL_KNOWN_KEYS = {
    "dev",
    "development",
    "secret",
    "secret-key",
    "secretkey",
    "changeme",
    "change-me",
    "change_me",
    "default",
    "password",
    "test",
    "testing",
    "your-secret-key",
    "supersecret",
}
MIN_SECRET_KEY_LENGTH = 32
#: the address used when LMS_PUBLIC_URL is unset in debug, in tests and under the flask command
DEV_PUBLIC_URL = "http://127.0.0.1:5000"
#: hosts a local browser uses for the development server; trusted only in debug, tests and `flask run`
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


class ConfigError(RuntimeError):
    """A setting that the app refuses to start with."""


#: Every setting's default. The environment (from_environment) overrides them, and a test's config
#: overrides both; README.md's configuration table lists the environment variables.
DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "AUTO_MIGRATE": True,
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    # OWASP's argon2id recommendation (m=19 MiB, t=2, p=1); argon2-cffi's default uses 64 MiB per hash,
    # which is what set a worker's peak memory, and takes five times as long.
    "ARGON2_PARAMETERS": {"time_cost": 2, "memory_cost": 19456, "parallelism": 1},
    "LESSON_IDLE_CAP_MINUTES": 30,
    "VERIFY_RATE_LIMIT": "60 per minute;2000 per day",
    "BULK_VERIFY_RATE_LIMIT": "10 per minute;200 per day",
    "PDF_WARM_UP": True,
    "CONTENT_CHECK_SECONDS": 5,
    "WRITTEN_ANSWER_RETENTION_DAYS": 730,
    "PROXY_COUNT": 0,
}


def instance_path() -> str | None:
    """LMS_INSTANCE_PATH, or None for Flask's default (instance/ next to the package)."""
    return os.environ.get("LMS_INSTANCE_PATH") or None


def content_dir() -> str:
    """LMS_CONTENT_DIR, or the bundled content/ next to the package."""
    return os.environ.get("LMS_CONTENT_DIR") or str(Path(__file__).resolve().parent.parent / "content")


def database_url(instance_path: str) -> str:
    """The SQLAlchemy URL from DATABASE_URL, or an SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "lms.sqlite3")
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, or one generated into the instance folder on first run."""
    key = os.environ.get("SECRET_KEY")
    if key is None:
        path = Path(instance_path) / "secret_key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        key = path.read_text().strip()
    check_secret_key(key)
    return key


def check_secret_key(key: str) -> None:
    """Refuse a short or well-known key: a guessable key lets anyone forge a session."""
    if key.strip().lower() in WELL_KNOWN_KEYS:
        raise ConfigError(
            "SECRET_KEY is a well-known value; set a long random one (python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters; set a long random one.")


def check_public_url(url: str) -> str:
    """The site's address as scheme://host[:port][/prefix], host lower-cased; refuse anything that breaks links."""
    parts = urlsplit(url.strip())
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
    ):
        raise ConfigError(
            f"LMS_PUBLIC_URL must be the site's public address, like https://training.example.org; got {url!r}."
        )
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def flask_command_url() -> str | None:
    """The address for links when the app runs under the `flask` command without LMS_PUBLIC_URL, else None.

    `flask run` (the development server) serves on its --host and --port; other commands (users, keys, ...)
    get the README's local address. A production server (gunicorn, uWSGI) never runs under `flask`.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.find_object(ScriptInfo) is None:
        return None
    if ctx.info_name == "run" and ctx.params.get("port"):
        host = ctx.params.get("host") or "127.0.0.1"
        if ":" in host or _unspecified(host):  # an IPv6 or all-interfaces bind: a browser here uses loopback
            host = "127.0.0.1"
        return f"{'https' if ctx.params.get('cert') else 'http'}://{host}:{ctx.params['port']}"
    return DEV_PUBLIC_URL


def _unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def trusted_hosts(public_url: str, extra: list[str], local: bool) -> list[str]:
    """Flask's TRUSTED_HOSTS: the public host, LMS_TRUSTED_HOSTS, and loopback for local runs; never empty."""
    hosts = [urlsplit(public_url).hostname, *extra, *(LOOPBACK_HOSTS if local else ())]
    return list(dict.fromkeys(h for h in hosts if h))


def env_list(name: str) -> list[str]:
    """A comma- or space-separated list from the environment."""
    return [item for item in os.environ.get(name, "").replace(",", " ").split() if item]


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    """Settings that come from the environment, with their defaults."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "CONTENT_DIR": content_dir(),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "PUBLIC_URL": os.environ.get("LMS_PUBLIC_URL") or None,
        "EXTRA_TRUSTED_HOSTS": [host.lower() for host in env_list("LMS_TRUSTED_HOSTS")],
        # Dangerous: only when the proxy always overwrites X-Forwarded-Host itself.
        "PROXY_TRUST_HOST": env_bool("LMS_PROXY_TRUST_HOST", False),
        "ISSUER_NAME": os.environ.get("LMS_ISSUER_NAME") or "Peer Specialist Training",
        "ISSUER_ACCREDITATION": os.environ.get("LMS_ISSUER_ACCREDITATION") or None,
        "ISSUER_ACCREDITED_BY": os.environ.get("LMS_ISSUER_ACCREDITED_BY") or None,
        "ISSUER_SIGNATORY": os.environ.get("LMS_ISSUER_SIGNATORY") or "Training Director",
        "ISSUER_LOGO": os.environ.get("LMS_ISSUER_LOGO") or None,
        "ISSUER_CONTACT": os.environ.get("LMS_ISSUER_CONTACT") or None,
        # Publishing from git (lms.publishing.git): where the content repository is and how to read it.
        "CONTENT_REPO": os.environ.get("LMS_CONTENT_REPO") or None,
        "CONTENT_BRANCH": os.environ.get("LMS_CONTENT_BRANCH") or "main",
        "CONTENT_REPO_PATH": os.environ.get("LMS_CONTENT_REPO_PATH") or None,
        "CONTENT_REPO_TOKEN": os.environ.get("LMS_CONTENT_REPO_TOKEN") or None,
        "CONTENT_REPO_SSH_KEY": os.environ.get("LMS_CONTENT_REPO_SSH_KEY") or None,
        "CONTENT_REPO_KNOWN_HOSTS": os.environ.get("LMS_CONTENT_REPO_KNOWN_HOSTS") or None,
        # Below gunicorn's default worker timeout (30 s): a fetch runs inside the author's request.
        "CONTENT_GIT_TIMEOUT": int(os.environ.get("LMS_CONTENT_GIT_TIMEOUT") or 25),
        "CONTENT_WEBHOOK_SECRET": os.environ.get("LMS_CONTENT_WEBHOOK_SECRET") or None,
        "CONTENT_WEBHOOK_RATE_LIMIT": os.environ.get("LMS_CONTENT_WEBHOOK_RATE_LIMIT") or "20 per hour;100 per day",
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or 25),
        "MAIL_USE_TLS": env_bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or "no-reply@localhost",
        #: "thread": queued mail goes out right after the response; "command": only `flask mail send` sends it
        "MAIL_DELIVERY": os.environ.get("LMS_MAIL_DELIVERY") or "thread",
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("LMS_MAIL_MAX_ATTEMPTS") or 5),
        **(
            {"WRITTEN_ANSWER_RETENTION_DAYS": int(os.environ["LMS_ANSWER_RETENTION_DAYS"])}
            if os.environ.get("LMS_ANSWER_RETENTION_DAYS")
            else {}
        ),
        "REQUIRE_STAFF_2FA": env_bool("LMS_REQUIRE_STAFF_2FA", False),
        **({"PROXY_COUNT": int(os.environ["LMS_PROXY_COUNT"])} if os.environ.get("LMS_PROXY_COUNT") else {}),
        # Session lifetimes: signed out after this long without a request (idle), or this long after signing
        # in (absolute). "Keep me signed in" (trainees only) lasts REMEMBER_DAYS.
        "STAFF_IDLE_MINUTES": int(os.environ.get("LMS_STAFF_IDLE_MINUTES") or 30),
        "STAFF_SESSION_HOURS": int(os.environ.get("LMS_STAFF_SESSION_HOURS") or 12),
        "TRAINEE_IDLE_MINUTES": int(os.environ.get("LMS_TRAINEE_IDLE_MINUTES") or 120),
        "TRAINEE_SESSION_DAYS": int(os.environ.get("LMS_TRAINEE_SESSION_DAYS") or 7),
        "REMEMBER_DAYS": int(os.environ.get("LMS_REMEMBER_DAYS") or 30),
        "LOG_FORMAT": os.environ.get("LMS_LOG_FORMAT", "json"),
        **{
            key: os.environ[env]
            for key, env in (
                ("LOGIN_RATE_LIMIT", "LMS_LOGIN_RATE_LIMIT"),
                ("VERIFY_RATE_LIMIT", "LMS_VERIFY_RATE_LIMIT"),
                ("BULK_VERIFY_RATE_LIMIT", "LMS_BULK_VERIFY_RATE_LIMIT"),
            )
            if os.environ.get(env)
        },
    }
