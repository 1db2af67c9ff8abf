"""Settings: defaults, then the environment, then the test config. Nothing is read at import time."""
import os
import secrets
from pathlib import Path

#: Keys that appear in tutorials and leaked configs; a deployment using one is refused.
WELL_KNOWN_KEYS = {
    "dev", "development", "secret", "secret-key", "secretkey", "changeme", "change-me",
    "change_me", "default", "password", "test", "testing", "your-secret-key", "supersecret",
}
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """A setting that the app refuses to start with."""


def database_url(instance_path: str) -> str:
    """The SQLAlchemy URL from DATABASE_URL, or an SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "lms.sqlite3")
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
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
        raise ConfigError("SECRET_KEY is a well-known value; set a long random one (python -c 'import secrets; print(secrets.token_hex(32))').")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters; set a long random one.")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str, root_path: str) -> dict:
    """Settings that come from the environment, with their defaults."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "CONTENT_DIR": os.environ.get("LMS_CONTENT_DIR") or str(Path(root_path).parent / "content"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "PUBLIC_URL": os.environ.get("LMS_PUBLIC_URL") or None,
        "ISSUER_NAME": os.environ.get("LMS_ISSUER_NAME") or "Peer Specialist Training",
        "ISSUER_ACCREDITATION": os.environ.get("LMS_ISSUER_ACCREDITATION") or None,
        "ISSUER_ACCREDITED_BY": os.environ.get("LMS_ISSUER_ACCREDITED_BY") or None,
        "ISSUER_SIGNATORY": os.environ.get("LMS_ISSUER_SIGNATORY") or "Training Director",
        "ISSUER_LOGO": os.environ.get("LMS_ISSUER_LOGO") or None,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or 25),
        "MAIL_USE_TLS": env_bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or "no-reply@localhost",
        **({"WRITTEN_ANSWER_RETENTION_DAYS": int(os.environ["LMS_ANSWER_RETENTION_DAYS"])}
           if os.environ.get("LMS_ANSWER_RETENTION_DAYS") else {}),
        "REQUIRE_STAFF_2FA": env_bool("LMS_REQUIRE_STAFF_2FA", False),
        # Session lifetimes: signed out after this long without a request (idle), or this long after signing
        # in (absolute). "Keep me signed in" (trainees only) lasts REMEMBER_DAYS.
        "STAFF_IDLE_MINUTES": int(os.environ.get("LMS_STAFF_IDLE_MINUTES") or 30),
        "STAFF_SESSION_HOURS": int(os.environ.get("LMS_STAFF_SESSION_HOURS") or 12),
        "TRAINEE_IDLE_MINUTES": int(os.environ.get("LMS_TRAINEE_IDLE_MINUTES") or 120),
        "TRAINEE_SESSION_DAYS": int(os.environ.get("LMS_TRAINEE_SESSION_DAYS") or 7),
        "REMEMBER_DAYS": int(os.environ.get("LMS_REMEMBER_DAYS") or 30),
        "LOG_FORMAT": os.environ.get("LMS_LOG_FORMAT", "json"),
        **{key: os.environ[env] for key, env in (("LOGIN_RATE_LIMIT", "LMS_LOGIN_RATE_LIMIT"),
                                                 ("VERIFY_RATE_LIMIT", "LMS_VERIFY_RATE_LIMIT"),
                                                 ("BULK_VERIFY_RATE_LIMIT", "LMS_BULK_VERIFY_RATE_LIMIT"))
           if os.environ.get(env)},
    }
