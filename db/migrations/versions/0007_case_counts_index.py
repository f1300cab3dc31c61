"""cases counted from an index

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_org_received_counts",
            [
                "org_id",
                "received_at",
                "status",
                "rating",
                "on_time",
                "reopened",
                "answered_at",
                "kind",
                "topic",
                "unit_id",
                "dimension",
            ],
            unique=False,
        )
        batch_op.drop_index("ix_cases_org_received")


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_org_received", ["org_id", "received_at"], unique=False)
        batch_op.drop_index("ix_cases_org_received_counts")
