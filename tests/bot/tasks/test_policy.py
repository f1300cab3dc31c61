"""Who may see or act on a task: one rule, for every way in."""

from __future__ import annotations

import pytest

from bot.errors import NotAllowed, NotFound
from bot.tasks import policy
from db.models import Task, TaskState
from tests.bot.tasks.conftest import acting
from tests.conftest import Person
from tests.handlers.conftest import Elsewhere, Office

# Task 1.1 is led by VP (Minh) with TP (Hoa) as partner; 1.2 is VP's alone.
ACTS = {
    # who: (1.1 lead-only, 1.1 any part, 1.2 lead-only, 1.2 any part)
    "admin": (True, True, True, True),
    "leader": (True, True, True, True),
    "chief": (True, True, True, True),
    "minh": (True, True, True, True),
    "hoa": (False, True, False, False),
    "citizen": (False, False, False, False),
}


@pytest.mark.parametrize("name", sorted(ACTS))
async def test_who_may_act_on_a_task(office: Office, name: str) -> None:
    who: Person = getattr(office, name)
    found: list[bool] = []
    async with acting(office, who) as op:
        for code in ("1.1", "1.2"):
            task = await op.session.get_one(Task, office.tasks[code])
            await op.session.refresh(task, ["units"])
            for lead_only in (True, False):
                found.append(await policy.may_act(op, task, lead_only=lead_only))
    assert tuple(found) == ACTS[name]


@pytest.mark.parametrize(
    ("name", "sees"), [("minh", False), ("hoa", False), ("leader", True), ("admin", True)]
)
async def test_a_removed_task_is_seen_by_leaders_only(
    office: Office, name: str, sees: bool
) -> None:
    async with office.runtime.sessions.begin() as session:
        (await session.get_one(Task, office.tasks["1.2"])).state = TaskState.REMOVED
    async with acting(office, getattr(office, name)) as op:
        assert (await policy.task_to_see(op, office.tasks["1.2"]) is not None) is sees
        if name == "minh":
            assert await policy.task_to_see(op, office.tasks["1.1"]) is not None


async def test_the_operator_acts_on_anything_of_the_organization(
    office: Office, elsewhere: Elsewhere
) -> None:
    async with acting(office, None) as op:
        occ = await policy.occurrence_to_act_on(op, office.occurrences["2.1"], lead_only=True)
        assert occ.task.code == "2.1"
        with pytest.raises(NotAllowed):
            await policy.occurrence_to_act_on(op, elsewhere.occurrences["2.1"], lead_only=True)
        with pytest.raises(NotAllowed):
            await policy.task_to_act_on(op, elsewhere.tasks["1.4"], lead_only=False)
        with pytest.raises(NotFound):
            await policy.request_to_decide(op, 1)
