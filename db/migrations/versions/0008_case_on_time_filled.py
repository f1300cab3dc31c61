"""cases answered before 0006 get their on-time verdict

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 15:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_cases = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("answered_at", sa.DateTime(timezone=True)),
    sa.column("answer_due", sa.Date),
    sa.column("on_time", sa.Boolean),
)


def upgrade() -> None:
    # Reports now read the stored verdict; answers given before 0006 added it have none, and
    # would count as on time. The verdict is the local day of the answer against the due day.
    config = op.get_context().config
    zone = ZoneInfo((config.attributes if config else {}).get("timezone", "Asia/Ho_Chi_Minh"))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_cases.c.id, _cases.c.answered_at, _cases.c.answer_due).where(
            _cases.c.on_time.is_(None),
            _cases.c.answered_at.is_not(None),
            _cases.c.answer_due.is_not(None),
        )
    ).all()
    verdicts = [
        {
            "case_id": case_id,
            "verdict": (answered if answered.tzinfo else answered.replace(tzinfo=UTC))
            .astimezone(zone)
            .date()
            <= due,
        }
        for case_id, answered, due in rows
    ]
    if verdicts:
        bind.execute(
            sa.update(_cases)
            .where(_cases.c.id == sa.bindparam("case_id"))
            .values(on_time=sa.bindparam("verdict")),
            verdicts,
        )


def downgrade() -> None:
    # The verdicts are right for the older schema too; nothing to undo.
    pass
