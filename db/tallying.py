"""Case tallies kept in step with the cases: one hook on every flush, whatever changed them.

Every change of a case reaches the database through a session flush (intake, each lifecycle
step, merges, privacy erasure and retention), so the hook sits there rather than in each of
them: before the rows are written it works out which tally each new, changed or deleted case
leaves and joins, and adds the differences with one upsert, in the same transaction. A
flush takes its rows in key order; a transaction that flushes several cases at different
times (a merge, an erasure) may still meet another crosswise, and PostgreSQL then refuses one
of the two as a deadlock, which the caller sees as a failed step, nothing half-written.

Statements that change the counted columns of cases without the ORM bypass the hook; nothing
in the application does, and ``python -m bot tallies check`` finds drift, ``rebuild`` ends it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, event, false, inspect, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction

from db.engine import TALLY_ZONE_INFO
from db.models.feedback import Case, CaseStatus
from db.models.tallies import ANY_KIND, NO_RATING, CaseTally

DEFAULT_ZONE: Final = "Asia/Ho_Chi_Minh"
ANSWERED: Final = frozenset({CaseStatus.ANSWERED, CaseStatus.CLOSED, CaseStatus.CLOSED_UNRESOLVED})
KEY_COLUMNS: Final = (
    "org_id",
    "day",
    "kind",
    "status",
    "rating",
    "verdict",
    "reopened",
    "answered",
    "month",
)
_COUNTED: Final = (
    "org_id",
    "received_at",
    "kind",
    "status",
    "rating",
    "on_time",
    "reopened",
    "answered_at",
)

TallyKey = tuple[int, date, str, str, str, str, bool, bool, bool]


def zone_of(session: Session) -> ZoneInfo:
    """The zone the session's tallies count local days in."""
    return _zone(str(session.info.get(TALLY_ZONE_INFO, DEFAULT_ZONE)))


@lru_cache(maxsize=8)
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def verdict_of(on_time: bool | None) -> str:
    """The tally's word for a case's on-time verdict."""
    return "none" if on_time is None else ("on_time" if on_time else "late")


def tally_key(values: dict[str, Any], zone: ZoneInfo) -> TallyKey:
    """The day's tally a case with these column values counts in."""
    received: datetime = values["received_at"]
    status = CaseStatus(values["status"] or CaseStatus.NEW)
    rating = values["rating"]
    return (
        int(values["org_id"]),
        received.astimezone(zone).date(),
        str(values["kind"]),
        str(status),
        NO_RATING if rating is None else str(rating),
        verdict_of(values["on_time"]),
        bool(values["reopened"] or 0),
        status in ANSWERED and values["answered_at"] is not None,
        False,
    )


def month_key(day_key: TallyKey) -> TallyKey:
    """The month's tally that counts the cases of a day's tally."""
    org, day, _kind, status, rating, verdict, reopened, answered, _month = day_key
    return (org, day.replace(day=1), ANY_KIND, status, rating, verdict, reopened, answered, True)


def _current(case: Case) -> dict[str, Any]:
    return {name: getattr(case, name) for name in _COUNTED}


def _committed(session: Session, case: Case) -> dict[str, Any]:
    """The counted columns as the database holds them (before this flush)."""
    attrs = inspect(case).attrs
    values: dict[str, Any] = {}
    for name in _COUNTED:
        history = attrs[name].history
        if history.deleted:
            values[name] = history.deleted[0]
        elif history.unchanged:
            values[name] = history.unchanged[0]
        elif not history.added:
            values[name] = getattr(case, name)
        else:
            # Set while not loaded (expired): the row, not yet written, still holds it.
            stored = session.execute(
                select(*(getattr(Case, c) for c in _COUNTED)).where(Case.id == case.id)
            ).one()
            return dict(zip(_COUNTED, stored, strict=True))
    return values


def _deltas(session: Session) -> Counter[TallyKey]:
    zone = zone_of(session)
    days: Counter[TallyKey] = Counter()
    for obj in session.new:
        if isinstance(obj, Case):
            days[tally_key(_current(obj), zone)] += 1
    for obj in session.dirty:
        if isinstance(obj, Case) and session.is_modified(obj, include_collections=False):
            before = tally_key(_committed(session, obj), zone)
            after = tally_key(_current(obj), zone)
            if before != after:
                days[before] -= 1
                days[after] += 1
    for obj in session.deleted:
        if isinstance(obj, Case):
            days[tally_key(_committed(session, obj), zone)] -= 1
    deltas = Counter(days)
    for key, n in days.items():
        deltas[month_key(key)] += n
    return deltas


def upsert(dialect: str, rows: list[dict[str, Any]]) -> Any:
    """One statement adding each row's ``cases`` to its tally (created when missing)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CaseTally).values(rows)
    return statement.on_conflict_do_update(
        index_elements=list(KEY_COLUMNS),
        set_={"cases": CaseTally.cases + statement.excluded.cases},
    )


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    deltas = _deltas(session)
    rows = [
        {**dict(zip(KEY_COLUMNS, key, strict=True)), "cases": n}
        for key, n in sorted(deltas.items())
        if n
    ]
    if rows:
        session.execute(upsert(session.get_bind().dialect.name, rows))


def answered_expression() -> ColumnElement[bool]:
    """Whether a case counts as answered (its status, and an answer's time)."""
    return case(
        (and_(Case.status.in_(ANSWERED), Case.answered_at.is_not(None)), true()),
        else_=false(),
    )


event.listen(Session, "before_flush", _before_flush)
