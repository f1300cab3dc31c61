"""A known dataset for the report tests, stored with the ORM models, and the figures it must give.

The deployment's own organization (commune A, "UBND phường Thử Nghiệm") hangs under a
district together with a second commune (commune B). Figures are taken for Q3/2024
(1 July - 30 September 2024) as of Monday 16 September 2024, in Vietnam's time zone.

Commune A has a 2024 plan, two units and tasks in two PAPI dimensions:

====  ===  ====  =========  ==========  ===================================  ==================
code  dim  unit  planned    stored due  what happened                        state on 16/9
====  ===  ====  =========  ==========  ===================================  ==================
1.1   D1   VP    15/07      15/07       done 10/07 (file as evidence)        done on time
1.2   D1   TP    15/08      15/08       done 15/08 16:00 (link)              done on time
1.3   D1   VP    31/07      31/07       done 05/08 (note)                    done late, 5 days
1.4   D1   VP    20/08      20/08       Blocked + More time, ext. declined   overdue, 27 days
1.5   D1   VP    27/09      27/09       -                                    due soon
1.6   D1   TP    31/03      31/03       done 28/03 (Q1: outside Q3)          (year only)
1.6   D1   TP    30/09      30/09       -                                    due soon
1.8   D1   TP    10/07      10/07       -                                    overdue, 68 days
1.9   D1   VP    01/08      01/08       task removed from the plan           not counted
2.1   D2   TP    30/08      10/09       ext. approved 31/08 00:30 (late);    done late, 6 days
                                        done 05/09                           (against 30/08)
2.2   D2   VP    05/09      25/09       ext. approved 03/09 (in time)        due soon
2.3   D2   TP    12/09      10/10       ext. approved 12/09 06:30 (in time)  later (pending)
2.4   D2   TP    09/09      09/09       -                                    overdue, 7 days
2.7   D2   VP    09/09      09/09       -                                    overdue, 7 days
2.7   D2   VP    20/09      20/09       occurrence cancelled                 not counted
2.8   D2   VP    15/11      15/11       - (Q4: outside Q3)                   (year only)
1.7   D1   VP    ongoing    -           -                                    ongoing
2.5   D2   TP    event      -           -                                    waiting for event
2.6   D2   VP    no date    -           -                                    without a date
====  ===  ====  =========  ==========  ===================================  ==================

Its feedback received in Q3 (C0 came in at 23:30 on 30 June, local time: not in Q3):

==  ============  ==============  ====  ===============  ===========  ===============  ==========
    kind          topic (dim)     unit  received         answer due   answered         status
==  ============  ==============  ====  ===============  ===========  ===============  ==========
C1  reflection    infrastr. (D6)  VP    01/07 00:30      16/07        04/07 00:30 (3)  answered S
C2  petition      land (D2)       TP    10/07 10:00      24/07        20/07 10:00 (10) closed N
C3  suggestion    procedu. (D5)   VP    01/08 08:00      15/08        20/08 08:00 (19) late, U
C4  complaint     land (D2)       TP    12/08 08:00      30/09        -                assigned
C5  reflection    other (D3)      -     20/08 08:00      -            -                refused
C6  complaint     land (D2)       VP    15/07 08:00      14/08        01/08 08:00 (17) reopened,
                                                                                       closed not
                                                                                       resolved U
C7  denunciation  conduct (D4)    TP    02/09 08:00      01/11        06/09 08:00 (4)  answered
C8  suggestion    procedu. (D5)   VP    10/09 08:00      24/09        11/09 20:00 (1.5) answered S
==  ============  ==============  ====  ===============  ===========  ===============  ==========

(S satisfied, N neutral, U unsatisfied; days to answer in brackets.) C7's denouncer is
sealed and nothing personal about any case may reach a report.

Commune B has one unit (ĐC) and a 2024 plan: 1.1 (D1) due 10/08 not done (overdue, 37
days), 3.1 (D3) due 20/07 done 18/07 (on time), 3.2 (D3) due 13/09 not done (overdue, 3
days); and one reflection received 05/08 08:00, answered 07/08 08:00 (2 days, on time),
satisfied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.periods import Period, quarter
from bot.runtime import Runtime
from db.models import (
    Case,
    CaseKind,
    CaseStatus,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Occurrence,
    OccurrenceStatus,
    Organization,
    Plan,
    Rating,
    Task,
    TaskEvent,
    TaskRole,
    TaskState,
    TaskUnit,
)
from db.models import Person as PersonRow
from db.queries import orgs

VN: Final = ZoneInfo("Asia/Ho_Chi_Minh")
AS_OF: Final = date(2024, 9, 16)
Q3: Final[Period] = quarter(2024, 3)

COMMUNE_A: Final = "UBND phường Thử Nghiệm"
COMMUNE_B: Final = "UBND xã Bên Sông"
DISTRICT: Final = "UBND huyện Mẫu Sơn"
VP: Final = "Văn phòng - Thống kê"
TP: Final = "Tư pháp - Hộ tịch"
DC: Final = "Địa chính - Xây dựng"

# What must never reach a report: names, phone numbers, addresses, the cases' own words.
CITIZEN_NAME: Final = "Phạm Thị Công Dân"
DENOUNCER_NAME: Final = "Lê Văn Tố Giác"
DENOUNCER_PHONE: Final = "0987654321"
DENOUNCED_NAME: Final = "Trần Văn Bị Tố"
DENUNCIATION_CODE: Final = "TC-2024-00001"
ADDRESS: Final = "Số 7 ngõ Bí Mật"
SECRETS: Final = (
    CITIZEN_NAME,
    DENOUNCER_NAME,
    DENOUNCER_PHONE,
    DENOUNCED_NAME,
    DENUNCIATION_CODE,
    ADDRESS,
    "0912000111",
    "nhận tiền của dân",
    "Đường làng bị sụt lún",
)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local moment in Vietnam."""
    return datetime.combine(day, time(hour, minute), tzinfo=VN)


def d(day: int, month: int, year: int = 2024) -> date:
    """A day written the Vietnamese way."""
    return date(year, month, day)


@dataclass
class Dataset:
    """The ids of what was stored."""

    district: int
    commune_a: int
    commune_b: int
    units: dict[str, int]
    occurrences: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Occ:
    planned: date
    due: date | None = None
    done: datetime | None = None
    cancelled: bool = False


class _Builder:
    """Adds tasks and cases of one organization."""

    def __init__(self, session: AsyncSession, org_id: int, now: datetime) -> None:
        self.session = session
        self.org_id = org_id
        self.now = now
        self.plan: Plan | None = None
        self.position = 0

    async def task(
        self,
        code: str,
        dimension: str,
        unit: int,
        occurrences: list[_Occ],
        *,
        kind: str = "once",
        removed: bool = False,
        partner: int | None = None,
    ) -> list[Occurrence]:
        if self.plan is None:
            self.plan = Plan(
                org_id=self.org_id,
                title="Kế hoạch cải thiện Chỉ số PAPI năm 2024",
                title_key=f"ke hoach papi 2024 {self.org_id}",
                year=2024,
                source="kehoach-2024.docx",
                content_hash="0" * 64,
                imported_at=self.now,
            )
            self.session.add(self.plan)
            await self.session.flush()
        self.position += 1
        task = Task(
            plan_id=self.plan.id,
            match_key=f"k:{code}",
            position=self.position,
            code=code,
            section="Tham gia" if dimension == "D1" else "Công khai",
            dimension=dimension,
            text=f"Nhiệm vụ {code}",
            output="Báo cáo",
            timeframe_text="Quý III/2024" if occurrences else "Thường xuyên",
            timeframe_kind=kind,
            flags={"flags": []},
            state=TaskState.REMOVED if removed else TaskState.ACTIVE,
        )
        task.units = [TaskUnit(unit_id=unit, role=TaskRole.LEAD, position=0)]
        if partner is not None:
            task.units.append(TaskUnit(unit_id=partner, role=TaskRole.PARTNER, position=0))
        task.occurrences = [
            Occurrence(
                planned_date=o.planned,
                due_date=o.due or o.planned,
                status=OccurrenceStatus.CANCELLED
                if o.cancelled
                else OccurrenceStatus.DONE
                if o.done
                else OccurrenceStatus.PENDING,
                done_at=o.done,
            )
            for o in occurrences
        ]
        self.session.add(task)
        await self.session.flush()
        return list(task.occurrences)

    async def event(
        self, occurrence: Occurrence, kind: EventKind, when: datetime, **values: Any
    ) -> None:
        self.session.add(
            TaskEvent(
                task_id=occurrence.task_id,
                occurrence_id=occurrence.id,
                kind=kind,
                at=when,
                **values,
            )
        )
        await self.session.flush()

    async def extension(
        self,
        occurrence: Occurrence,
        official: int,
        leader: int,
        status: ExtensionStatus,
        asked: datetime,
        decided: datetime,
    ) -> None:
        self.session.add(
            ExtensionRequest(
                occurrence_id=occurrence.id,
                requested_by=official,
                proposed=occurrence.due_date,
                reason="Cần thêm thời gian",
                status=status,
                decided_by=leader,
                decided_at=decided,
                created_at=asked,
            )
        )
        await self.session.flush()

    async def case(
        self,
        code: str,
        citizen: int,
        kind: CaseKind,
        topic: str,
        dimension: str,
        unit: int | None,
        received: datetime,
        answer_due: date | None,
        answered: datetime | None,
        status: CaseStatus,
        rating: Rating | None = None,
        *,
        text: str = "Đường làng bị sụt lún, đề nghị sửa chữa",
        contact_sealed: str | None = None,
        reopened: int = 0,
    ) -> None:
        self.session.add(
            Case(
                code=code,
                org_id=self.org_id,
                citizen_id=citizen,
                channel="test",
                chat_id="555",
                kind=kind,
                topic=topic,
                dimension=dimension,
                text=text,
                text_hash=hashlib.sha256(text.encode()).hexdigest(),
                address=ADDRESS,
                contact_sealed=contact_sealed,
                publishable=False,
                consent_at=received,
                status=status,
                unit_id=unit,
                received_at=received,
                answer_due=answer_due,
                accepted_at=received,
                answered_at=answered,
                on_time=(
                    None
                    if answered is None or answer_due is None
                    else answered.astimezone(VN).date() <= answer_due
                ),
                closed_at=answered if status.startswith("closed") else None,
                answer="Đã xử lý" if answered else None,
                rating=rating,
                reopened=reopened,
            )
        )
        await self.session.flush()


async def build(runtime: Runtime) -> Dataset:
    """Store the dataset described above; return the ids."""
    now = at(d(1, 7), 8)
    sealer = runtime.dispatcher.deployment.sealer
    root = runtime.dispatcher.deployment.root_org_id
    async with runtime.sessions.begin() as session:
        district = await orgs.add_org(
            session, name=DISTRICT, level="district", parent_id=None, now=now
        )
        commune_b = await orgs.add_org(
            session, name=COMMUNE_B, level="commune", parent_id=district.id, now=now
        )
        # The deployment's own commune joins the district last (its row is rewritten).
        commune_a = await session.get_one(Organization, root)
        assert commune_a.name == COMMUNE_A
        commune_a.parent_id = district.id
        await session.flush()
        vp = (await orgs.add_unit(session, org_id=root, name=VP, aliases=["VP-TK"], now=now)).id
        tp = (await orgs.add_unit(session, org_id=root, name=TP, aliases=[], now=now)).id
        dc = (await orgs.add_unit(session, org_id=commune_b.id, name=DC, aliases=[], now=now)).id
        citizen = PersonRow(display_name=CITIZEN_NAME, locale="vi", created_at=now)
        denouncer = PersonRow(display_name=DENOUNCER_NAME, locale="vi", created_at=now)
        official = PersonRow(display_name="Cán bộ Minh", locale="vi", created_at=now)
        leader = PersonRow(display_name="Chủ tịch Dũng", locale="vi", created_at=now)
        session.add_all([citizen, denouncer, official, leader])
        await session.flush()
        data = Dataset(district.id, root, commune_b.id, {VP: vp, TP: tp, DC: dc})
        occ = data.occurrences

        a = _Builder(session, root, now)
        (o11,) = await a.task("1.1", "D1", vp, [_Occ(d(15, 7), done=at(d(10, 7), 10))])
        await a.event(o11, EventKind.DONE, at(d(10, 7), 10), file_name="bien-ban-1.1.pdf")
        (o12,) = await a.task("1.2", "D1", tp, [_Occ(d(15, 8), done=at(d(15, 8), 16))])
        await a.event(o12, EventKind.DONE, at(d(15, 8), 16), link="https://xa.gov.vn/cong-khai/1.2")
        (o13,) = await a.task("1.3", "D1", vp, [_Occ(d(31, 7), done=at(d(5, 8), 9))], partner=tp)
        await a.event(o13, EventKind.BLOCKED, at(d(29, 7), 9), note="Chờ ý kiến huyện")
        await a.event(o13, EventKind.DONE, at(d(5, 8), 9), note="Đã họp dân ngày 05/8")
        (o14,) = await a.task("1.4", "D1", vp, [_Occ(d(20, 8))])
        await a.event(o14, EventKind.BLOCKED, at(d(21, 8), 9), note="Thiếu kinh phí")
        await a.event(o14, EventKind.PROGRESS, at(d(22, 8), 9), note="Đang làm dự toán")
        await a.event(o14, EventKind.MORE_TIME, at(d(23, 8), 9), note="Cần thêm hai tuần")
        await a.extension(
            o14,
            official.id,
            leader.id,
            ExtensionStatus.DECLINED,
            at(d(19, 8), 9),
            at(d(19, 8), 15),
        )
        (o15,) = await a.task("1.5", "D1", vp, [_Occ(d(27, 9))])
        o16q1, o16 = await a.task(
            "1.6",
            "D1",
            tp,
            [_Occ(d(31, 3), done=at(d(28, 3), 9)), _Occ(d(30, 9))],
            kind="recurring",
        )
        (o18,) = await a.task("1.8", "D1", tp, [_Occ(d(10, 7))])
        (o19,) = await a.task("1.9", "D1", vp, [_Occ(d(1, 8))], removed=True)
        (o21,) = await a.task("2.1", "D2", tp, [_Occ(d(30, 8), d(10, 9), done=at(d(5, 9), 9))])
        # Decided half an hour into 31 August, local time (still 30 August in UTC): too late.
        await a.extension(
            o21,
            official.id,
            leader.id,
            ExtensionStatus.APPROVED,
            at(d(28, 8), 9),
            at(d(31, 8), 0, 30),
        )
        (o22,) = await a.task("2.2", "D2", vp, [_Occ(d(5, 9), d(25, 9))])
        await a.extension(
            o22, official.id, leader.id, ExtensionStatus.APPROVED, at(d(2, 9), 9), at(d(3, 9), 9)
        )
        (o23,) = await a.task("2.3", "D2", tp, [_Occ(d(12, 9), d(10, 10))])
        # Decided early on the planned day itself: in time.
        await a.extension(
            o23,
            official.id,
            leader.id,
            ExtensionStatus.APPROVED,
            at(d(11, 9), 9),
            at(d(12, 9), 6, 30),
        )
        (o24,) = await a.task("2.4", "D2", tp, [_Occ(d(9, 9))])
        o27, o27x = await a.task(
            "2.7", "D2", vp, [_Occ(d(9, 9)), _Occ(d(20, 9), cancelled=True)], kind="recurring"
        )
        (o28,) = await a.task("2.8", "D2", vp, [_Occ(d(15, 11))])
        await a.task("1.7", "D1", vp, [], kind="ongoing")
        await a.task("2.5", "D2", tp, [], kind="event")
        await a.task("2.6", "D2", vp, [], kind="unspecified")
        for code, row in (
            ("1.1", o11),
            ("1.2", o12),
            ("1.3", o13),
            ("1.4", o14),
            ("1.5", o15),
            ("1.6q1", o16q1),
            ("1.6", o16),
            ("1.8", o18),
            ("1.9", o19),
            ("2.1", o21),
            ("2.2", o22),
            ("2.3", o23),
            ("2.4", o24),
            ("2.7", o27),
            ("2.7x", o27x),
            ("2.8", o28),
        ):
            occ[code] = row.id

        cid = citizen.id
        await a.case(
            "PA-2024-00000",
            cid,
            CaseKind.REFLECTION,
            "infrastructure",
            "D6",
            vp,
            at(d(30, 6), 23, 30),
            d(14, 7),
            at(d(2, 7), 9),
            CaseStatus.ANSWERED,
            Rating.SATISFIED,
        )
        await a.case(
            "PA-2024-00001",
            cid,
            CaseKind.REFLECTION,
            "infrastructure",
            "D6",
            vp,
            at(d(1, 7), 0, 30),
            d(16, 7),
            at(d(4, 7), 0, 30),
            CaseStatus.ANSWERED,
            Rating.SATISFIED,
        )
        await a.case(
            "KN-2024-00001",
            cid,
            CaseKind.PETITION,
            "land",
            "D2",
            tp,
            at(d(10, 7), 10),
            d(24, 7),
            at(d(20, 7), 10),
            CaseStatus.CLOSED,
            Rating.NEUTRAL,
        )
        await a.case(
            "GY-2024-00001",
            cid,
            CaseKind.SUGGESTION,
            "procedures",
            "D5",
            vp,
            at(d(1, 8), 8),
            d(15, 8),
            at(d(20, 8), 8),
            CaseStatus.ANSWERED,
            Rating.UNSATISFIED,
        )
        await a.case(
            "KH-2024-00001",
            cid,
            CaseKind.COMPLAINT,
            "land",
            "D2",
            tp,
            at(d(12, 8), 8),
            d(30, 9),
            None,
            CaseStatus.ASSIGNED,
            text="Khiếu nại quyết định thu hồi đất, liên hệ 0912000111",
        )
        await a.case(
            "PA-2024-00002",
            cid,
            CaseKind.REFLECTION,
            "other",
            "D3",
            None,
            at(d(20, 8), 8),
            None,
            None,
            CaseStatus.REFUSED,
        )
        await a.case(
            "KH-2024-00002",
            cid,
            CaseKind.COMPLAINT,
            "land",
            "D2",
            vp,
            at(d(15, 7), 8),
            d(14, 8),
            at(d(1, 8), 8),
            CaseStatus.CLOSED_UNRESOLVED,
            Rating.UNSATISFIED,
            reopened=1,
        )
        await a.case(
            DENUNCIATION_CODE,
            denouncer.id,
            CaseKind.DENUNCIATION,
            "conduct",
            "D4",
            tp,
            at(d(2, 9), 8),
            d(1, 11),
            at(d(6, 9), 8),
            CaseStatus.ANSWERED,
            text=f"Tố cáo ông {DENOUNCED_NAME} nhận tiền của dân",
            contact_sealed=sealer.seal(f"{DENOUNCER_NAME}, {DENOUNCER_PHONE}"),
        )
        await a.case(
            "GY-2024-00002",
            cid,
            CaseKind.SUGGESTION,
            "procedures",
            "D5",
            vp,
            at(d(10, 9), 8),
            d(24, 9),
            at(d(11, 9), 20),
            CaseStatus.ANSWERED,
            Rating.SATISFIED,
        )

        b = _Builder(session, commune_b.id, now)
        (b11,) = await b.task("1.1", "D1", dc, [_Occ(d(10, 8))])
        (b31,) = await b.task("3.1", "D3", dc, [_Occ(d(20, 7), done=at(d(18, 7), 9))])
        (b32,) = await b.task("3.2", "D3", dc, [_Occ(d(13, 9))])
        occ.update({"B1.1": b11.id, "B3.1": b31.id, "B3.2": b32.id})
        await b.case(
            "PA-2024-00003",
            cid,
            CaseKind.REFLECTION,
            "environment",
            "D7",
            dc,
            at(d(5, 8), 8),
            d(19, 8),
            at(d(7, 8), 8),
            CaseStatus.ANSWERED,
            Rating.SATISFIED,
        )
    return data


# -- The expected figures, written from the design above --------------------------------


def states(
    done_on_time: int = 0,
    done_late: int = 0,
    overdue: int = 0,
    due_soon: int = 0,
    pending: int = 0,
    ongoing: int = 0,
    waiting_event: int = 0,
    undated: int = 0,
) -> dict[str, int]:
    """Counts by task state, with their total."""
    counts = {
        "done_on_time": done_on_time,
        "done_late": done_late,
        "overdue": overdue,
        "due_soon": due_soon,
        "pending": pending,
        "ongoing": ongoing,
        "waiting_event": waiting_event,
        "undated": undated,
    }
    return {"total": sum(counts.values()), **counts}


def group(received: int, answered: int, on_time: int, open_: int) -> dict[str, int]:
    """Feedback counts of one group."""
    return {"received": received, "answered": answered, "answered_on_time": on_time, "open": open_}


D1_NAME: Final = "Tham gia của người dân ở cấp cơ sở"
D2_NAME: Final = "Công khai, minh bạch trong việc ra quyết định ở địa phương"
D3_NAME: Final = "Trách nhiệm giải trình với người dân"

A_TASKS: Final = states(2, 2, 4, 3, 1, 1, 1, 1)
A_D1: Final = states(done_on_time=2, done_late=1, overdue=2, due_soon=2, ongoing=1)
A_D2: Final = states(done_late=1, overdue=2, due_soon=1, pending=1, waiting_event=1, undated=1)
A_TP: Final = states(done_on_time=1, done_late=1, overdue=2, due_soon=1, pending=1, waiting_event=1)
A_VP: Final = states(done_on_time=1, done_late=1, overdue=2, due_soon=2, ongoing=1, undated=1)
B_TASKS: Final = states(done_on_time=1, overdue=2)

# (code, unit, due, days late) of the overdue tasks, most overdue first.
A_OVERDUE: Final = [
    ("1.8", TP, "2024-07-10", 68),
    ("1.4", VP, "2024-08-20", 27),
    ("2.4", TP, "2024-09-09", 7),
    ("2.7", VP, "2024-09-09", 7),
]
DISTRICT_OVERDUE: Final = [
    ("1.8", TP, "2024-07-10", 68),
    ("1.1", DC, "2024-08-10", 37),
    ("1.4", VP, "2024-08-20", 27),
    ("2.4", TP, "2024-09-09", 7),
    ("2.7", VP, "2024-09-09", 7),
]

A_FEEDBACK: Final[dict[str, Any]] = {
    "received": 8,
    "answered": 6,
    "answered_on_time": 5,
    "answered_late": 1,
    "open": 1,
    "refused": 1,
    "merged": 0,
    "closed_unresolved": 1,
    "reopened": 1,
    "rated": 5,
    "satisfied": 2,
    "neutral": 1,
    "unsatisfied": 2,
    "satisfaction_rate": 0.4,
    # 3 + 10 + 19 + 17 + 4 + 1.5 = 54.5 days over 6 answers; 90% within the 6th of 6.
    "avg_days_to_answer": 9.1,
    "p90_days_to_answer": 19.0,
}
