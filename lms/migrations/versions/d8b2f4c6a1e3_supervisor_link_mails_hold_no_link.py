"""supervisor link mails hold no link: the outbox keeps the link's row id, the token is made when the mail is sent

Before this revision a confirmation link went into the outbox as text, so the database held working links
next to their hashes. A queued link mail becomes a "supervisor_link" mail (written, with a new token, when it
is sent); a mail already sent, failed or skipped keeps its text without the token (the supervisor's copy
still works until it is used or expires).

Revision ID: d8b2f4c6a1e3
Revises: c5a1e7d93b40
Create Date: 2026-11-30 20:45:00
"""

import hashlib
import re

from alembic import op
import sqlalchemy as sa


revision = "d8b2f4c6a1e3"
down_revision = "c5a1e7d93b40"
branch_labels = None
depends_on = None

_LINK = re.compile(r"/portfolio/confirm/([A-Za-z0-9_-]{20,100})")
outbox = sa.table(
    "mail_outbox",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
    sa.column("body", sa.Text),
)
links = sa.table("supervisor_link", sa.column("id", sa.Integer), sa.column("token_hash", sa.String))


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.status, outbox.c.body).where(
            outbox.c.kind == "message", outbox.c.body.like("%/portfolio/confirm/%")
        )
    ).all()
    for mail_id, status, body in rows:
        found = _LINK.search(body or "")
        if found is None:
            continue
        token_hash = hashlib.sha256(found.group(1).encode()).hexdigest()
        link_id = bind.execute(sa.select(links.c.id).where(links.c.token_hash == token_hash)).scalar()
        if status == "queued" and link_id is not None:
            values = {"kind": "supervisor_link", "body": str(link_id)}
        else:
            values = {"body": _LINK.sub("/portfolio/confirm/(link removed from the outbox)", body)}
        bind.execute(outbox.update().where(outbox.c.id == mail_id).values(**values))


def downgrade():
    # The tokens are gone for good (that is the point); a queued "supervisor_link" mail cannot be sent by the
    # older code, so it is marked skipped rather than left to fail.
    op.execute(
        outbox.update().where(outbox.c.kind == "supervisor_link", outbox.c.status == "queued").values(status="skipped")
    )
