"""The issuer's RSA signing keys: create, rotate, publish. Private keys never leave the server."""

import hashlib
import json
import logging
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..clock import utcnow
from ..extensions import db
from .models import SigningKey

logger = logging.getLogger(__name__)
KEY_BITS = 3072


def _thumbprint(public_jwk: dict) -> str:
    """RFC 7638 JWK thumbprint: a stable, content-derived key id."""
    members = {k: public_jwk[k] for k in ("e", "kty", "n")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return jwt.utils.base64url_encode(hashlib.sha256(canonical).digest()).decode()


def create_key() -> SigningKey:
    """Generate a new RSA key and make it the active one; the old key stays published."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    kid = _thumbprint(public_jwk)
    public_jwk.pop("key_ops", None)  # RFC 7517: use "use" or "key_ops", not both
    public_jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    db.session.execute(update(SigningKey).where(SigningKey.active.is_(True)).values(active=False, retired_at=utcnow()))
    key = SigningKey(kid=kid, private_pem=pem, public_jwk=public_jwk, active=True)
    db.session.add(key)
    db.session.flush()
    logger.info("signing key created: %s", kid)
    return key


def active_key() -> SigningKey:
    """The key new credentials are signed with, created on first use."""
    key = db.session.scalar(select(SigningKey).where(SigningKey.active.is_(True)))
    if key is not None:
        return key
    try:
        with db.session.begin_nested():
            return create_key()
    except IntegrityError:
        # Another process created one at the same moment.
        return db.session.scalar(select(SigningKey).where(SigningKey.active.is_(True)))


def ensure_key() -> None:
    """Create a signing key at start-up when there is none (the first run)."""
    if db.session.scalar(select(SigningKey.kid).limit(1)) is None:
        active_key()
        db.session.commit()


def published_keys() -> list[dict]:
    """Every public key, newest first (retired keys stay, so older credentials still verify)."""
    return [k.public_jwk for k in db.session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc()))]


@lru_cache(maxsize=8)
def _private_key(kid: str, pem: str):
    return serialization.load_pem_private_key(pem.encode(), password=None)


def sign(claims: dict, key: SigningKey, kid_url: str) -> str:
    """A compact JWS (RS256) over the claims, with `kid` a URL that resolves to the public JWK."""
    return jwt.encode(
        claims, _private_key(key.kid, key.private_pem), algorithm="RS256", headers={"kid": kid_url, "typ": "JWT"}
    )
