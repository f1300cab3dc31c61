"""One office under all its spellings, and a mapping step for every name the import can't place."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.plans import ParsedPlan, ParsedTask
from bot.plans.importer import ImportReport, import_plan
from bot.plans.mapping import Choice, Target, UnmappedUnits, unit_questions
from bot.reminders.scheduling import preview
from bot.runtime import Runtime
from db.models import Role, Task, TaskUnit, Unit, UnitAlias, UnitKind
from db.queries import orgs
from tests.handlers.test_common import add_unit, member, root_org, snapshot

SPELLINGS = (
    "Văn phòng - Thống kê",
    "Văn phòng – Thống kê",
    "VP-TK",
    "CC VP-TK",
    "Công chức VP-TK",
    "Công chức Văn phòng - Thống kê",
)


def plan_of(leads: list[str], title: str = "Kế hoạch PAPI năm 2026") -> ParsedPlan:
    """A plan with one task per lead unit name."""
    return ParsedPlan(
        title=title,
        year=2026,
        source="kehoach.docx",
        tasks=[
            ParsedTask(
                code=str(i),
                section="Tham gia",
                dimension="D1",
                subsection=None,
                task=f"Nhiệm vụ số {i}",
                target="",
                output="",
                lead=[lead],
                partners=[],
                timeframe_text="Quý II/2026",
                flags=[],
                row=i + 1,
            )
            for i, lead in enumerate(leads, start=1)
        ],
        warnings=[],
    )


async def run(
    runtime: Runtime,
    plan: ParsedPlan,
    *,
    dry_run: bool = False,
    mapping: dict[str, Choice] | None = None,
) -> ImportReport:
    async with runtime.sessions.begin() as session:
        return await import_plan(
            session,
            org_id=root_org(runtime),
            plan=plan,
            data_hash="0" * 64,
            actor_id=None,
            now=runtime.clock.now(),
            dry_run=dry_run,
            mapping=mapping,
        )


async def lead_units(runtime: Runtime) -> dict[str, str]:
    async with runtime.sessions() as session:
        rows = await session.execute(
            select(Task.text, Unit.name)
            .join(TaskUnit, TaskUnit.task_id == Task.id)
            .join(Unit, Unit.id == TaskUnit.unit_id)
        )
        return dict(rows.all())


async def test_every_spelling_of_one_office_is_one_question() -> None:
    [question] = unit_questions(plan_of(list(SPELLINGS)), {})
    assert question.name == "Văn phòng - Thống kê"
    assert set(question.spellings) == set(SPELLINGS)
    assert (question.status, question.tasks) == ("new", 6)


@pytest.mark.parametrize("order", [SPELLINGS, tuple(reversed(SPELLINGS))], ids=["as", "reversed"])
async def test_every_spelling_goes_to_one_unit_in_dry_runs_and_imports(
    runtime: Runtime, order: tuple[str, ...]
) -> None:
    plan = plan_of(list(order))
    preview = await run(runtime, plan, dry_run=True)
    assert preview.new_units == ["Văn phòng - Thống kê"]
    key = unit_questions(plan, {})[0].key
    report = await run(runtime, plan, mapping={key: Choice(Target.NEW)})
    assert report.new_units == ["Văn phòng - Thống kê"]
    assert set((await lead_units(runtime)).values()) == {"Văn phòng - Thống kê"}
    # A second file, written with the other spellings, asks nothing and uses the same unit.
    async with runtime.sessions() as session:
        directory = await orgs.unit_directory(session, root_org(runtime))
    second = plan_of(["CC VP- TK", "Văn phòng—Thống kê xã"], title="Kế hoạch khác năm 2026")
    assert unit_questions(second, directory) == []
    again = await run(runtime, second, mapping={})
    assert again.new_units == []
    async with runtime.sessions() as session:
        assert list(await session.scalars(select(Unit.name))) == ["Văn phòng - Thống kê"]


async def test_a_name_matching_by_some_words_is_asked_with_its_task_count(
    runtime: Runtime,
) -> None:
    office = await add_unit(runtime, "Văn phòng HĐND và UBND")
    plan = plan_of(["UBND xã"] * 5 + ["Văn phòng HĐND và UBND"])
    async with runtime.sessions() as session:
        directory = await orgs.unit_directory(session, root_org(runtime))
    [question] = unit_questions(plan, directory)
    assert (question.name, question.status, question.candidates, question.tasks) == (
        "UBND xã",
        "suggested",
        (office,),
        5,
    )
    # Unanswered, nothing is stored.
    before = await snapshot(runtime)
    with pytest.raises(UnmappedUnits) as raised:
        await run(runtime, plan, mapping={})
    assert raised.value.names == ["UBND xã"]
    assert await snapshot(runtime) == before
    # "The whole committee": its own unit, and the answer is remembered as an alias.
    await run(runtime, plan, mapping={question.key: Choice(Target.COMMITTEE)})
    leads = await lead_units(runtime)
    assert leads["Nhiệm vụ số 1"] == "Lãnh đạo UBND"
    assert leads["Nhiệm vụ số 6"] == "Văn phòng HĐND và UBND"
    async with runtime.sessions() as session:
        committee = await session.scalar(select(Unit).where(Unit.kind == UnitKind.COMMITTEE))
        assert committee is not None
        aliases = list(await session.scalars(select(UnitAlias.alias)))
        assert aliases == ["UBND xã"]
        directory = await orgs.unit_directory(session, root_org(runtime))
    assert unit_questions(plan, directory) == []


async def test_an_existing_unit_and_outside_are_remembered(runtime: Runtime) -> None:
    tp = await add_unit(runtime, "Tư pháp - Hộ tịch")
    plan = plan_of(["Cán bộ tư pháp", "Các phòng, ban thành phố", "Sở Nội vụ"])
    questions = {q.name: q.key for q in unit_questions(plan, {})}
    # A job title in front is not part of the name shown.
    mapping = {
        questions["tư pháp"]: Choice(Target.UNIT, tp),
        questions["Các phòng, ban thành phố"]: Choice(Target.OUTSIDE),
        questions["Sở Nội vụ"]: Choice(Target.OUTSIDE),
    }
    await run(runtime, plan, mapping=mapping)
    leads = await lead_units(runtime)
    assert leads == {
        "Nhiệm vụ số 1": "Tư pháp - Hộ tịch",
        "Nhiệm vụ số 2": "Cơ quan ngoài xã",
        "Nhiệm vụ số 3": "Cơ quan ngoài xã",
    }


async def test_a_forged_unit_id_in_a_mapping_is_refused(runtime: Runtime) -> None:
    plan = plan_of(["Ban Thanh tra nhân dân"])
    [question] = unit_questions(plan, {})
    before = await snapshot(runtime)
    with pytest.raises(UnmappedUnits):
        await run(runtime, plan, mapping={question.key: Choice(Target.UNIT, 9999)})
    assert await snapshot(runtime) == before


async def test_the_committee_is_reminded_through_its_leaders_and_outside_never(
    runtime: Runtime,
) -> None:
    await member(runtime, Role.LEADER, user_id=9100, name="Chiến")
    plan = plan_of(["UBND xã", "Sở Nội vụ"])
    keys = {q.name: q.key for q in unit_questions(plan, {})}
    await run(
        runtime,
        plan,
        mapping={
            keys["UBND xã"]: Choice(Target.COMMITTEE),
            keys["Sở Nội vụ"]: Choice(Target.OUTSIDE),
        },
    )
    async with runtime.sessions() as session:
        lines = await preview(
            session,
            org_id=root_org(runtime),
            tz=runtime.settings.tz,
            start=date(2026, 6, 1),
            end=date(2026, 7, 31),
        )
    # Lines without a task are the leaders' period reports.
    assert {(line.person, line.unit, line.task) for line in lines if line.task} == {
        ("Chiến", "Lãnh đạo UBND", "1")
    }
