"""upload receipts: the files each person sent, to limit a day's files

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 16:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "upload_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_upload_receipts_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_receipts")),
    )
    with op.batch_alter_table("upload_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_upload_receipts_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_upload_receipts_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("upload_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_receipts_received_at"))
        batch_op.drop_index(batch_op.f("ix_upload_receipts_person_id"))
    op.drop_table("upload_receipts")
