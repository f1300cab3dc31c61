"""case tallies: cases per organization, local day of receipt, kind and state

Revision ID: 0019
Revises: 0014
Create Date: 2026-12-07 19:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from db.datetime_sql import local_date

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ANSWERED = ("answered", "closed", "closed_unresolved")
_cases = sa.table(
    "cases",
    sa.column("org_id", sa.Integer),
    sa.column("received_at", sa.DateTime(timezone=True)),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
    sa.column("rating", sa.String),
    sa.column("on_time", sa.Boolean),
    sa.column("reopened", sa.Integer),
    sa.column("answered_at", sa.DateTime(timezone=True)),
)
_KEY = ("org_id", "day", "kind", "status", "rating", "verdict", "reopened", "answered", "month")


def upgrade() -> None:
    tallies = op.create_table(
        "case_tallies",
        sa.Column("month", sa.Boolean(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=False),
        sa.Column("verdict", sa.String(length=8), nullable=False),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_case_tallies_org_id_organizations")
        ),
        # Months first: a period's whole months are read without its days' rows.
        sa.PrimaryKeyConstraint("month", *_KEY[:-1], name=op.f("pk_case_tallies")),
    )
    # The cases already there are counted by the local days of the deployment's zone.
    config = op.get_context().config
    zone = ZoneInfo((config.attributes if config else {}).get("timezone", "Asia/Ho_Chi_Minh"))
    c = _cases.c
    answered = sa.case(
        (sa.and_(c.status.in_(_ANSWERED), c.answered_at.is_not(None)), sa.true()),
        else_=sa.false(),
    )
    columns = (
        c.org_id,
        local_date(c.received_at, zone),
        c.kind,
        c.status,
        sa.func.coalesce(c.rating, ""),
        sa.case((c.on_time.is_(None), "none"), (c.on_time.is_(True), "on_time"), else_="late"),
        c.reopened > 0,
        answered,
    )
    bind = op.get_bind()
    days = sa.select(*columns, sa.false(), sa.func.count()).group_by(*columns)
    bind.execute(sa.insert(tallies).from_select([*_KEY, "cases"], days))
    # Each month's tally sums its days' over the kinds.
    months: dict[tuple[object, ...], int] = {}
    for org, day, _kind, *state, _month, n in bind.execute(
        sa.select(*(tallies.c[k] for k in _KEY), tallies.c.cases)
    ):
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        key = (org, day.replace(day=1), "", *state, True)
        months[key] = months.get(key, 0) + n
    rows = [{**dict(zip(_KEY, key, strict=True)), "cases": n} for key, n in months.items()]
    for at in range(0, len(rows), 5000):
        bind.execute(sa.insert(tallies), rows[at : at + 5000])


def downgrade() -> None:
    op.drop_table("case_tallies")
