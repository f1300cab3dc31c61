"""answers approved for publication; Open311 API keys

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PUBLISHED_ONLY = "published_at IS NOT NULL"
_PUBLISHED_INDEXES = {
    "ix_cases_published_received": ["org_id", "received_at"],
    "ix_cases_published_answered": ["org_id", "status", "answered_at"],
}


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", db.base.UTCDateTime(timezone=True)))
        batch_op.add_column(sa.Column("published_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_published_by_people"), "people", ["published_by"], ["id"]
        )
    for name, columns in _PUBLISHED_INDEXES.items():
        op.create_index(
            name,
            "cases",
            columns,
            unique=False,
            sqlite_where=sa.text(_PUBLISHED_ONLY),
            postgresql_where=sa.text(_PUBLISHED_ONLY),
        )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_api_keys_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_api_keys_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_org_id"))
    op.drop_table("api_keys")
    for name in _PUBLISHED_INDEXES:
        op.drop_index(name, table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_published_by_people"), type_="foreignkey")
        batch_op.drop_column("published_by")
        batch_op.drop_column("published_at")
