"""message counts: each person's last interaction per channel; messages by class and month

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07 19:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_interaction_at", db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("sent_since_interaction", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "message_counts",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("message_class", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("cost_vnd", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "month", "message_class"),
    )


def downgrade() -> None:
    op.drop_table("message_counts")
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_column("sent_since_interaction")
        batch_op.drop_column("last_interaction_at")
