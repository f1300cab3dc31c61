"""Shared by the feedback tests: a commune with staff, a citizen filing cases, the outbox.

The commune is the deployment's own organization with three units, an administrator who
triages (no unit), a leader, one official in each unit, and a second commune with its own
administrator and unit. Everyone joined by redeeming an invite with ``/start CODE``.
The deadline helpers count the legal periods from the rules alone (Civil Code 2015,
art. 147-148), one day at a time, without the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.channels.base import Sender
from bot.clock import ManualClock
from bot.i18n import Translator
from bot.messages import Attachment, Incoming, Location, Outcome, Reply
from bot.runtime import Runtime
from bot.workcal import WorkCalendar
from db.base import Base
from db.models import AuditEntry, Case, CaseKind, Identity, OutboxMessage, Role
from db.queries import orgs
from jobs.outbox import Sweeper
from tests.conftest import Person
from tests.handlers.test_common import add_unit, member, root_org

VP = "Văn phòng - Thống kê"
DC = "Địa chính - Xây dựng"
TP = "Tư pháp - Hộ tịch"

# The law's numbers (shared/reference/legal-deadlines.md), written down once for the tests.
HANDLE_DAYS = 10  # any kind: classify and handle a letter, calendar days from receipt
COMPLAINT_ACCEPT_DAYS = 10  # Luật Khiếu nại 2011, Điều 27
COMPLAINT_RESOLVE_DAYS = 30  # Điều 28
COMPLAINT_RESOLVE_COMPLEX_DAYS = 45
DENUNCIATION_ACCEPT_WORKING_DAYS = 7  # Luật Tố cáo 2018, Điều 24
DENUNCIATION_RESOLVE_DAYS = 30  # Điều 30
DENUNCIATION_EXTENSION_DAYS = 30  # Điều 30, once, when complex
ANSWER_WORKING_DAYS = 10  # reflections and petitions, local default

HOME = "12 Lê Lợi, thôn 3"

NOT_FOR_YOU = "This button is not for you. Nothing was changed."
STALE = "This button is no longer valid. Nothing was changed."
NOT_ALLOWED = "You are not allowed to use this command."


def moved_on(code: str, status: str, by: str | None = None) -> str:
    """What a step says when the case left the state it needs (``by`` took the last step)."""
    if by:
        return (
            f"{code} is now “{status}” (last step by {by}), so this can no longer be done. "
            "Nothing was changed."
        )
    return f"{code} is now “{status}”, so this can no longer be done. Nothing was changed."


# Counting, from the rules


def after_calendar_days(start: date, n: int, cal: WorkCalendar) -> date:
    """The end of ``n`` calendar days from ``start``: start not counted, rolled to a working day."""
    day = start
    for _ in range(n):
        day += timedelta(days=1)
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    return day


def after_working_days(start: date, n: int, cal: WorkCalendar) -> date:
    """The ``n``-th working day after ``start``."""
    day, left = start, n
    while left:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            left -= 1
    return day


def en_date(day: date) -> str:
    """A date as an English reader sees it."""
    return Translator("en").date(day)


# People


@dataclass
class Commune:
    """The deployment's organization, its people, and a neighbouring commune."""

    runtime: Runtime
    clock: ManualClock
    org_id: int
    units: dict[str, int]
    admin: Person
    leader: Person
    officials: dict[str, Person]
    other_org: int
    other_unit: int
    other_admin: Person
    other_official: Person

    async def citizen(self, user_id: int, name: str = "Lan", *, notices: bool = True) -> Person:
        """A citizen writing in English (who chose English, so notices come in English too)."""
        who = Person(self.runtime, user_id, name, "en")
        if notices:
            assert (await who.press("lang:set:en")).replies[0].text == "Language set to English."
        return who


async def commune(runtime: Runtime, clock: ManualClock) -> Commune:
    """Build the commune and its neighbour."""
    units = {name: await add_unit(runtime, name) for name in (VP, DC, TP)}
    admin = await member(runtime, Role.ADMIN, user_id=8001, name="Thu")
    leader = await member(runtime, Role.LEADER, user_id=8002, name="Dũng")
    officials = {
        VP: await member(runtime, Role.OFFICIAL, user_id=8003, name="Minh", unit_id=units[VP]),
        DC: await member(runtime, Role.OFFICIAL, user_id=8004, name="Hải", unit_id=units[DC]),
        TP: await member(runtime, Role.OFFICIAL, user_id=8005, name="Hoa", unit_id=units[TP]),
    }
    async with runtime.sessions.begin() as session:
        other = await orgs.add_org(
            session, name="UBND xã Bên Cạnh", level="commune", parent_id=None, now=clock.now()
        )
        other_org = other.id
    other_unit = await add_unit(runtime, VP, org_id=other_org)
    other_admin = await member(runtime, Role.ADMIN, user_id=8101, name="Tâm", org_id=other_org)
    other_official = await member(
        runtime, Role.OFFICIAL, user_id=8102, name="Quang", unit_id=other_unit, org_id=other_org
    )
    staff = [admin, leader, *officials.values(), other_admin, other_official]
    for who in staff:  # they chose English, so the notices the outbox sends are English too
        assert only_text(await who.press("lang:set:en")) == "Language set to English."
    return Commune(
        runtime=runtime,
        clock=clock,
        org_id=root_org(runtime),
        units=units,
        admin=admin,
        leader=leader,
        officials=officials,
        other_org=other_org,
        other_unit=other_unit,
        other_admin=other_admin,
        other_official=other_official,
    )


# Talking


def texts(outcome: Outcome) -> list[str]:
    """The texts of an outcome's replies."""
    return [r.text for r in outcome.replies]


def only_text(outcome: Outcome) -> str:
    """The text of an outcome's single reply."""
    assert len(outcome.replies) == 1, texts(outcome)
    return outcome.replies[0].text


def payloads(reply: Reply) -> list[str]:
    """The button payloads under a reply, row by row."""
    return [b.data for row in reply.buttons for b in row]


async def send(
    who: Person,
    *,
    text: str | None = None,
    attachment: Attachment | None = None,
    location: Location | None = None,
) -> Outcome:
    """Send a file, a location or text as this person, through the dispatcher."""
    incoming = Incoming(
        channel="test",
        user_id=str(who.user_id),
        chat_id=str(who.user_id),
        display_name=who.name,
        language_code=who.language,
        text=text,
        attachment=attachment,
        location=location,
    )
    return await who.runtime.dispatcher.handle(incoming)


def photo(n: int, size: int = 2048) -> Attachment:
    """A small photo with its bytes."""
    content = bytes([n % 256]) * size
    return Attachment(f"photo-{n}.jpg", "image/jpeg", len(content), content)


async def start_case(who: Person, kind: CaseKind, topic: str, text: str) -> None:
    """Go through kind, topic and text; the dialog then waits for files."""
    assert payloads((await who.say("/feedback")).replies[0])[0] == "fb:kind:suggestion"
    assert only_text(await who.press(f"fb:kind:{kind.value}")) == "What is it about?"
    asked = only_text(await who.press(f"fb:topic:{topic}"))
    assert asked == "Please describe it in your own words (at most 4000 characters)."
    files = only_text(await who.say(text))
    assert files == "You can send photos or files now (up to 5), or skip."


async def finish_case(
    who: Person,
    kind: CaseKind,
    *,
    address: str | None = None,
    name: str | None = None,
    home: str | None = None,
    phone: str | None = None,
    publish: bool = False,
) -> Outcome:
    """From the files step to Send; return what Send answered.

    A complaint or denunciation also gives a home address (a default one unless ``home``).
    """
    await who.press("fb:next:files")
    if address is None:
        await who.press("fb:next:place")
    else:
        await who.say(address)
    if name is not None:
        await who.say(name)
        if kind in {CaseKind.COMPLAINT, CaseKind.DENUNCIATION}:
            await who.say(home or HOME)
        assert phone is not None
        await who.say(phone)
    else:
        await who.press("fb:next:contact")
    if kind != CaseKind.DENUNCIATION:
        await who.press(f"fb:publish:{'yes' if publish else 'no'}")
    await who.press("fb:consent:yes")
    return await who.press("fb:confirm:send")


async def file_case(
    who: Person,
    kind: CaseKind = CaseKind.REFLECTION,
    topic: str = "infrastructure",
    text: str = "The road by the market has a deep pothole.",
    **details: Any,
) -> str:
    """File a whole case and return its tracking code."""
    await start_case(who, kind, topic, text)
    sent = only_text(await finish_case(who, kind, **details))
    first = sent.splitlines()[0]
    prefix = "Thank you. Your feedback is received. Tracking code: "
    assert first.startswith(prefix), sent
    return first.removeprefix(prefix)


# Reading the database


async def person_id(runtime: Runtime, who: Person) -> int:
    """The database id of a simulated person."""
    async with runtime.sessions() as session:
        found = await session.scalar(
            select(Identity.person_id).where(
                Identity.channel == "test", Identity.user_id == str(who.user_id)
            )
        )
    assert found is not None, who.name
    return found


async def case_row(runtime: Runtime, code: str) -> Case:
    """A case as stored now."""
    async with runtime.sessions() as session:
        found = await session.scalar(select(Case).where(Case.code == code))
    assert found is not None, code
    return found


async def all_cases(runtime: Runtime) -> list[Case]:
    """Every stored case, oldest first."""
    async with runtime.sessions() as session:
        return list(await session.scalars(select(Case).order_by(Case.id)))


async def audits(runtime: Runtime) -> list[AuditEntry]:
    """Every audit row, oldest first."""
    async with runtime.sessions() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def dump(runtime: Runtime) -> str:
    """Every value of every table, as one text to search."""
    parts: list[str] = []
    async with runtime.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in await session.execute(select(table)):
                parts.extend(repr(value) for value in row)
                parts.extend(
                    value.decode("utf-8", "replace") for value in row if isinstance(value, bytes)
                )
    return "\n".join(parts)


async def citizen_notices(runtime: Runtime, who: Person) -> list[OutboxMessage]:
    """The outbox notices queued for one person."""
    pid = await person_id(runtime, who)
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.person_id == pid, OutboxMessage.kind == "notice")
            .order_by(OutboxMessage.id)
        )
        return list(rows)


# The outbox, delivered


class RecordingSender(Sender):
    """A channel that keeps what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, Reply]] = []

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Keep the reply."""
        self.sent.append((int(chat_id), reply))

    def to(self, who: Person) -> list[Reply]:
        """What one person received."""
        return [reply for chat, reply in self.sent if chat == who.user_id]


async def sweep(runtime: Runtime, at: datetime) -> RecordingSender:
    """Run one outbox sweep at ``at`` and return what was sent."""
    sender = RecordingSender()
    sweeper = Sweeper(
        runtime.sessions,
        ManualClock(at),
        {"test": sender},
        runtime.settings.tz,
        worker="feedback-test",
    )
    await sweeper.sweep()
    return sender


def rating_payloads(case_id: int) -> list[str]:
    """The three rating buttons of a case."""
    return [f"fb:rate:{case_id}:{r}" for r in ("satisfied", "neutral", "unsatisfied")]
