"""``local_date`` turns stored UTC moments into local calendar days, in the database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import literal, select

from bot.runtime import Runtime
from db.base import UTCDateTime
from db.datetime_sql import local_date

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")


async def day_of(runtime: Runtime, moment: datetime | None, tz: ZoneInfo) -> date | None:
    async with runtime.sessions() as session:
        return await session.scalar(select(local_date(literal(moment, UTCDateTime()), tz)))


@pytest.mark.parametrize(
    ("moment", "tz", "expected"),
    [
        # 23:59:59 and 00:00 in Hanoi (UTC+7) fall on different days than in UTC.
        (datetime(2024, 8, 30, 16, 59, 59, tzinfo=UTC), VN, date(2024, 8, 30)),
        (datetime(2024, 8, 30, 17, 0, tzinfo=UTC), VN, date(2024, 8, 31)),
        # Microseconds before local midnight are still the same day (SQLite would round).
        (datetime(2024, 8, 30, 16, 59, 59, 999700, tzinfo=UTC), VN, date(2024, 8, 30)),
        (datetime(2024, 12, 31, 17, 30, tzinfo=UTC), VN, date(2025, 1, 1)),
        # A zone with summer time: 22:30 UTC is 00:30 in July (UTC+2), 23:30 in January.
        (datetime(2024, 7, 1, 22, 30, tzinfo=UTC), BERLIN, date(2024, 7, 2)),
        (datetime(2024, 1, 1, 22, 30, tzinfo=UTC), BERLIN, date(2024, 1, 1)),
    ],
)
async def test_local_day_of_a_moment(
    runtime: Runtime, moment: datetime, tz: ZoneInfo, expected: date
) -> None:
    assert await day_of(runtime, moment, tz) == expected


async def test_no_moment_no_day(runtime: Runtime) -> None:
    assert await day_of(runtime, None, VN) is None


async def test_compares_with_a_date_column_value(runtime: Runtime) -> None:
    moment = literal(datetime(2024, 8, 30, 17, 0, tzinfo=UTC), UTCDateTime())
    async with runtime.sessions() as session:
        later = await session.scalar(select(local_date(moment, VN) > date(2024, 8, 30)))
        same = await session.scalar(select(local_date(moment, VN) == date(2024, 8, 31)))
    assert (bool(later), bool(same)) == (True, True)


async def test_one_statement_serves_zones_with_and_without_summer_time(runtime: Runtime) -> None:
    # The engine caches the compiled statement; the zone must still be each call's own.
    moment = datetime(2024, 1, 1, 22, 30, tzinfo=UTC)
    days = [await day_of(runtime, moment, tz) for tz in (BERLIN, VN, BERLIN, VN)]
    assert days == [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 1), date(2024, 1, 2)]
