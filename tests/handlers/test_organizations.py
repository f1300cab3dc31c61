"""Roles never cross organizations: every command and button, tried on a sibling's objects.

A person may hold roles in several communes. What they may do to a case, a task, a request
for more time, a unit or an invite depends only on the roles they hold in the organization
that owns it (or, for a leader, in one above it). The generated test below presses every
registered button and sends every registered command, with the ids, codes and names of a
sibling commune's objects, as two intruders: an official of that commune who is an
administrator and a leader next door, and an administrator and leader of next door only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.scopes import CASE, EXTENSION, OCCURRENCE, TASK, UNIT
from db.base import Base
from db.models import Case, CaseKind, ExtensionRequest, Invite, Organization, Role
from db.queries import orgs
from tests.conftest import Person
from tests.handlers.conftest import first_occurrences, import_small_plan, small_plan, task_ids
from tests.handlers.feedback_support import (
    DC,
    TP,
    VP,
    Commune,
    case_row,
    commune,
    file_case,
    only_text,
)
from tests.handlers.test_common import member, snapshot

DENOUNCER = ("Trần Văn Tố", "0912345678")
PLACE = "Số 7 ngõ Bí Mật"
SECRETS = (
    *DENOUNCER,
    PLACE,
    "Cán bộ địa chính nhận tiền",  # the denunciation
    "Mương thoát nước bị tắc",  # a new case only the commune's administrators see
    "Tiền đền bù chưa trả",  # a complaint whose answer waits for approval
    "Bản trả lời chờ duyệt",  # that answer
    "Chờ văn bản của huyện",  # the reason of a request for more time
    "Nhiệm vụ 1.3",  # tasks led by a unit neither intruder works in
    "Nhiệm vụ 2.1",
)
# Tables about cases and tasks: the neighbour has none, so no change there is the neighbour's.
COMMUNE_ONLY = (
    "case_files",
    "case_events",
    "case_counters",
    "tasks",
    "task_units",
    "occurrences",
    "task_events",
    "extension_requests",
    "calendar_overrides",
)
# A person's own rows, which any update may touch.
PERSONAL = (
    "dialogs",
    "people",
    "identities",
    "invite_attempts",
    "uploads",
    "link_codes",
    "link_attempts",
)


@dataclass
class Sibling:
    """A commune full of objects, and two intruders with roles next door."""

    town: Commune
    cases: dict[str, int]
    codes: list[str]
    tasks: list[int]
    occurrences: list[int]
    occurrence_of: dict[str, int]
    extension: int
    units: list[int]
    intruders: list[Person]


async def _world(runtime: Runtime, clock: ManualClock) -> Sibling:
    town = await commune(runtime, clock)
    async with runtime.sessions.begin() as session:
        await orgs.set_org_policy(session, town.org_id, {"answer_approval": True})
    plan_id = await import_small_plan(runtime, town.org_id, small_plan())
    tasks = await task_ids(runtime, plan_id)
    occurrences = await first_occurrences(runtime, plan_id)

    citizen = await town.citizen(7001, "Tố")
    name, phone = DENOUNCER
    codes = {
        "denunciation": await file_case(
            citizen,
            CaseKind.DENUNCIATION,
            "other",
            "Cán bộ địa chính nhận tiền của dân",
            address=PLACE,
            name=name,
            phone=phone,
        ),
        "new": await file_case(citizen, text="Mương thoát nước bị tắc ở thôn 3"),
        "awaiting": await file_case(
            citizen,
            CaseKind.COMPLAINT,
            "land",
            "Tiền đền bù chưa trả đủ",
            address=PLACE,
            name=name,
            phone=phone,
        ),
    }
    cases = {kind: (await case_row(runtime, code)).id for kind, code in codes.items()}
    await town.admin.press(f"case:to:{cases['denunciation']}:{town.units[TP]}")
    await town.admin.press(f"case:to:{cases['awaiting']}:{town.units[VP]}")
    vp = town.officials[VP]
    await vp.press(f"case:answer:{cases['awaiting']}")
    assert "leader's approval" in only_text(await vp.say("Bản trả lời chờ duyệt của xã"))

    hoa = town.officials[TP]
    await hoa.press(f"occ:more:{occurrences['1.3']}")
    await hoa.say("15/07/2026")
    await hoa.say("Chờ văn bản của huyện")
    async with runtime.sessions() as session:
        extension = await session.scalar(select(ExtensionRequest.id))
    assert extension is not None

    # An official of this commune (in a unit with no task or case) who administers and
    # leads the neighbour; and the neighbour's administrator, now also its leader.
    double = await member(runtime, Role.OFFICIAL, user_id=7101, name="Kép", unit_id=town.units[DC])
    for role in (Role.ADMIN, Role.LEADER):
        await member(runtime, role, user_id=7101, name="Kép", org_id=town.other_org)
    await member(runtime, Role.LEADER, user_id=8101, name="Tâm", org_id=town.other_org)
    return Sibling(
        town=town,
        cases=cases,
        codes=list(codes.values()),
        tasks=list(tasks.values()),
        occurrences=list(occurrences.values()),
        occurrence_of=occurrences,
        extension=extension,
        units=list(town.units.values()),
        intruders=[double, town.other_admin],
    )


def _args_for(world: Sibling, scope: object) -> list[str]:
    ids: Mapping[object, list[Any]] = {
        CASE: list(world.cases.values()),
        TASK: world.tasks,
        OCCURRENCE: world.occurrences,
        EXTENSION: [world.extension],
        UNIT: world.units,
    }
    return [str(i) for i in ids.get(scope, [])]


def _payloads(world: Sibling, runtime: Runtime) -> list[str]:
    found: list[str] = []
    for prefix, route in runtime.dispatcher.deployment.router.buttons().items():
        args = _args_for(world, route.scope)
        if prefix == "case:to":
            found += [f"{prefix}:{c}:{u}" for c in args for u in (*world.units, 1)]
        elif prefix == "fb:rate":
            found += [f"{prefix}:{c}:{r}" for c in args for r in ("satisfied", "unsatisfied")]
        elif args:
            found += [f"{prefix}:{a}" for a in args]
        else:
            # Not about an object: whatever it does, it does where the intruder has roles.
            found += [f"{prefix}:{a}" for a in ("", *map(str, world.units), "D1", "admin")]
    return found


def _commands(world: Sibling, runtime: Runtime) -> list[str]:
    words = [
        "",
        *map(str, world.tasks[:3]),
        *world.codes,
        *(f"{t} 15/10/2026" for t in world.tasks[:3]),
        "official Tư pháp - Hộ tịch",
        "Tư pháp - Hộ tịch",
        "Q1/2026",
        "01/06/2026",
    ]
    return [
        f"/{c.name} {w}".strip()
        for c in runtime.dispatcher.deployment.router.commands()
        if c.name not in {"start", "join"}  # redeeming an invite is not about an object
        for w in words
    ]


def _changes(
    before: Mapping[str, list[tuple[Any, ...]]], after: Mapping[str, list[tuple[Any, ...]]]
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows added, removed or changed (old and new versions), by table."""
    return {
        table: [r for r in after[table] if r not in before[table]]
        + [r for r in before[table] if r not in after[table]]
        for table in after
        if table not in PERSONAL and after[table] != before[table]
    }


def _commune_rows_touched(world: Sibling, changed: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """The tables where a changed row belongs to the commune (by table, or by its org_id)."""
    return [name for name, rows in changed.items() if _of_commune(world, name, rows)]


def _of_commune(world: Sibling, table: str, rows: list[tuple[Any, ...]]) -> bool:
    columns = [c.name for c in Base.metadata.tables[table].columns]
    if table == "organizations":
        return any(row[columns.index("id")] == world.town.org_id for row in rows)
    if table in COMMUNE_ONLY or "org_id" not in columns:
        return True
    return any(row[columns.index("org_id")] == world.town.org_id for row in rows)


async def _try(runtime: Runtime, world: Sibling, who: Person, action: str, step: str) -> None:
    before = await snapshot(runtime)
    if action.startswith("/"):
        outcome = await who.say(action)
    else:
        outcome = await who.press(action)
    # Whatever dialog the action opened, its next step is tried too, then left.
    follow = await who.say(step)
    await who.say("/cancel")
    said = "\n".join(r.text for o in (outcome, follow) for r in o.replies)
    files = b"".join(r.file.content or b"" for r in outcome.replies if r.file is not None)
    for secret in SECRETS:
        assert secret not in said, (who.name, action, secret)
        assert secret.encode() not in files, (who.name, action, secret)
    changed = _changes(before, await snapshot(runtime))
    assert not _commune_rows_touched(world, changed), (who.name, action, changed)


@pytest.mark.parametrize("kind", ["buttons", "commands"])
async def test_nothing_of_a_sibling_commune_is_seen_or_changed(
    runtime: Runtime, clock: ManualClock, kind: str
) -> None:
    world = await _world(runtime, clock)
    actions = _payloads(world, runtime) if kind == "buttons" else _commands(world, runtime)
    assert len(actions) > 100
    for who in world.intruders:
        for action in actions:
            await _try(runtime, world, who, action, "15/10/2026")


async def test_buttons_on_a_sibling_communes_objects_are_refused(
    runtime: Runtime, clock: ManualClock
) -> None:
    world = await _world(runtime, clock)
    refusals = {
        "This button is not for you. Nothing was changed.",
        "This button is no longer valid. Nothing was changed.",
        *(f"There is no task #{t} for you." for t in world.tasks),
    }
    router = runtime.dispatcher.deployment.router
    scoped = [p for p in _payloads(world, runtime) if router.buttons()[_prefix(p)].scope]
    assert {_prefix(p) for p in scoped} >= {"case:open", "occ:done", "ext:approve", "fb:rate"}
    for who in world.intruders:
        for payload in scoped:
            replies = [r.text for r in (await who.press(payload)).replies]
            assert replies, (who.name, payload)
            assert set(replies) <= refusals, (who.name, payload, replies)


def _prefix(payload: str) -> str:
    return ":".join(payload.split(":")[:2])


async def _decide(world: Sibling, who: Person, approve: bool = True) -> str:
    verb = "approve" if approve else "decline"
    return "\n".join(r.text for r in (await who.press(f"ext:{verb}:{world.extension}")).replies)


async def test_a_person_with_roles_in_two_communes_works_in_each(
    runtime: Runtime, clock: ManualClock
) -> None:
    world = await _world(runtime, clock)
    double = world.intruders[0]
    # As the neighbour's administrator: the invite is for the neighbour.
    invite = await double.text_of("/invite leader")
    assert invite.startswith("Invite for a new leader:")
    async with runtime.sessions() as session:
        rows = (await session.execute(select(Invite.org_id).order_by(Invite.id))).all()
    assert rows[-1] == (world.town.other_org,)
    # A case filed with the neighbour is the neighbour's administrator's to triage.
    async with runtime.sessions.begin() as session:
        case = await session.get_one(Case, world.cases["new"])
        case.org_id = world.town.other_org
    opened = await double.press(f"case:open:{world.cases['new']}")
    assert "case:assign:" + str(world.cases["new"]) in [
        b.data for r in opened.replies for row in r.buttons for b in row
    ]


async def test_a_district_leader_decides_for_the_communes_below_but_never_sees_a_denouncer(
    runtime: Runtime, clock: ManualClock
) -> None:
    world = await _world(runtime, clock)
    async with runtime.sessions.begin() as session:
        district = await orgs.add_org(
            session, name="Huyện Hòa Bình", level="district", parent_id=None, now=clock.now()
        )
        district_id = district.id
        town = await session.get_one(Organization, world.town.org_id)
        town.parent_id = district_id
    head = await member(runtime, Role.LEADER, user_id=7201, name="Huyện", org_id=district_id)
    card = "\n".join(
        r.text for r in (await head.press(f"case:open:{world.cases['denunciation']}")).replies
    )
    assert "Cán bộ địa chính nhận tiền" in card
    for secret in DENOUNCER:
        assert secret not in card
    # The commune's own leader does see who denounced.
    own = "\n".join(
        r.text
        for r in (await world.town.leader.press(f"case:open:{world.cases['denunciation']}")).replies
    )
    assert DENOUNCER[0] in own
    assert DENOUNCER[1] in own
    assert (await _decide(world, head)).startswith("Approved: task [1.3] is now due")


async def test_nobody_decides_their_own_request_for_more_time(
    runtime: Runtime, clock: ManualClock
) -> None:
    world = await _world(runtime, clock)
    hoa = world.town.officials[TP]
    await member(runtime, Role.LEADER, user_id=hoa.user_id, name=hoa.name)
    before = await snapshot(runtime)
    for approve in (True, False):
        assert await _decide(world, hoa, approve) == (
            "Another leader decides your own request. Nothing was changed."
        )
    assert await snapshot(runtime) == before
    assert (await _decide(world, world.town.leader)).startswith("Approved:")


async def test_a_request_for_a_task_already_done_cannot_be_approved(
    runtime: Runtime, clock: ManualClock
) -> None:
    world = await _world(runtime, clock)
    hoa = world.town.officials[TP]
    await hoa.press(f"occ:done:{world.occurrence_of['1.3']}")
    assert "done" in only_text(await hoa.say("Biên bản đã ký"))
    before = await snapshot(runtime)
    for approve in (True, False):
        answer = await _decide(world, world.town.leader, approve)
        assert answer.startswith("Task [1.3] is already settled for"), answer
    assert await snapshot(runtime) == before
