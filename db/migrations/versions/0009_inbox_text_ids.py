"""inbox, numbered choices, channel tokens, shared files; channel ids as text

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 16:20:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Channel ids become text: Zalo ids are decimal strings that can exceed a signed 64-bit int.
_ID_COLUMNS = (
    ("identities", "user_id"),
    ("identities", "chat_id"),
    ("outbox", "chat_id"),
    ("cases", "chat_id"),
)


def _retype(table: str, column: str, to: sa.types.TypeEngine[Any], using: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column(
            column,
            type_=to,
            existing_nullable=False,
            postgresql_using=f"{column}::{using}",
        )


def upgrade() -> None:
    for table, column in _ID_COLUMNS:
        _retype(table, column, sa.String(length=64), "text")
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_sealed", sa.Text(), nullable=True))

    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("dedupe_key", sa.String(length=128), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload_sealed", sa.Text(), nullable=True),
        sa.Column("replies_sealed", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "handled",
                "done",
                "failed",
                name="inboxstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", db.base.UTCDateTime(), nullable=True),
        sa.Column("received_at", db.base.UTCDateTime(), nullable=False),
        sa.Column("done_at", db.base.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("channel", "dedupe_key", name=op.f("uq_inbox_channel_dedupe_key")),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_status_sender", ["status", "channel", "sender", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inbox_received_at"), ["received_at"], unique=False)

    op.create_table(
        "choice_lists",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("shown_at", db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id", name=op.f("pk_choice_lists")),
    )
    op.create_table(
        "channel_tokens",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.Column("access_sealed", sa.Text(), nullable=True),
        sa.Column("refresh_sealed", sa.Text(), nullable=True),
        sa.Column("access_expires_at", db.base.UTCDateTime(), nullable=True),
        sa.Column("refreshed_at", db.base.UTCDateTime(), nullable=True),
        sa.Column("consent_state", sa.String(length=64), nullable=True),
        sa.Column("consent_verifier_sealed", sa.Text(), nullable=True),
        sa.Column("consent_expires_at", db.base.UTCDateTime(), nullable=True),
        sa.Column("failure", sa.String(length=200), nullable=True),
        sa.Column("quota", sa.JSON(), nullable=True),
        sa.Column("updated_at", db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_tokens")),
    )
    op.create_table(
        "shared_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_files")),
    )
    with op.batch_alter_table("shared_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_files_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shared_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_files_expires_at"))
    op.drop_table("shared_files")
    op.drop_table("channel_tokens")
    op.drop_table("choice_lists")
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_received_at"))
        batch_op.drop_index("ix_inbox_status_sender")
    op.drop_table("inbox")
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_column("contact_sealed")
    # Ids that are not whole numbers (Zalo's above 2**63) cannot go back; this fails on them.
    for table, column in _ID_COLUMNS:
        _retype(table, column, sa.BigInteger(), "bigint")
