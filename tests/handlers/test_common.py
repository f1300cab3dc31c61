"""What every person can do: start, join, help, whoami, language, cancel, and the hint."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import invites
from bot.clock import ManualClock
from bot.roles import audiences_of
from bot.runtime import Runtime
from db.base import Base
from db.models import AuditEntry, Dialog, Identity, InviteAttempt, Membership, Role
from db.models import Person as PersonRow
from db.queries import orgs
from tests.conftest import Person

# Helpers shared with the other core tests (imported by name; no test functions here).


def root_org(runtime: Runtime) -> int:
    """The id of the deployment's own organization."""
    return runtime.dispatcher.deployment.root_org_id


async def issue_code(
    runtime: Runtime,
    role: Role,
    *,
    unit_id: int | None = None,
    org_id: int | None = None,
    ttl: timedelta = timedelta(days=7),
) -> str:
    """Create an invite straight in the database and return its plain code."""
    async with runtime.sessions.begin() as session:
        _, code = await invites.create_invite(
            session,
            org_id=root_org(runtime) if org_id is None else org_id,
            role=role,
            unit_id=unit_id,
            created_by=None,
            now=runtime.clock.now(),
            ttl=ttl,
        )
    return code


async def add_unit(runtime: Runtime, name: str, org_id: int | None = None) -> int:
    """Create a unit straight in the database and return its id."""
    async with runtime.sessions.begin() as session:
        unit = await orgs.add_unit(
            session,
            org_id=root_org(runtime) if org_id is None else org_id,
            name=name,
            aliases=[],
            now=runtime.clock.now(),
        )
        return unit.id


async def member(
    runtime: Runtime,
    role: Role | None,
    *,
    user_id: int,
    name: str,
    language: str = "en",
    unit_id: int | None = None,
    org_id: int | None = None,
) -> Person:
    """A person who got ``role`` by redeeming an invite with ``/start CODE``."""
    person = Person(runtime, user_id, name, language)
    if role is None:
        await person.say("/start")
        return person
    code = await issue_code(runtime, role, unit_id=unit_id, org_id=org_id)
    outcome = await person.say(f"/start {code}")
    assert outcome.roles_changed, outcome
    assert role.value in outcome.roles
    return person


async def count(runtime: Runtime, model: type[Base]) -> int:
    """How many rows a table holds."""
    async with runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# When a person last wrote is noted for every message, refused ones too (it opens Zalo's
# messaging window): bookkeeping, not a change the message made.
INTERACTION_COLUMNS = frozenset({"last_interaction_at", "sent_since_interaction"})


async def snapshot(runtime: Runtime) -> Mapping[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that nothing changed."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with runtime.sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in INTERACTION_COLUMNS]
            result = await session.execute(select(*columns).order_by(*table.primary_key.columns))
            rows[table.name] = [tuple(row) for row in result]
    return rows


async def assert_only_dialogs_ended(
    runtime: Runtime, before: Mapping[str, list[tuple[Any, ...]]]
) -> None:
    """Check that since ``before`` every dialog ended and nothing else changed."""
    after = await snapshot(runtime)
    assert after["dialogs"] == []
    assert {k: v for k, v in after.items() if k != "dialogs"} == {
        k: v for k, v in before.items() if k != "dialogs"
    }


def help_commands(text: str) -> set[str]:
    """The command names a /help answer lists."""
    return set(re.findall(r"^/([a-z_]+) — ", text, flags=re.MULTILINE))


CITIZEN_COMMANDS = {"help", "whoami", "lang", "join", "cancel", "link", "channel"}
CORE_STAFF_COMMANDS = {"units", "invite", "addunit", "unreachable"}


def menu_for(runtime: Runtime, roles: set[str]) -> set[str]:
    """The in-menu commands registered for any of these audiences."""
    audiences = audiences_of(roles)
    router = runtime.dispatcher.deployment.router
    return {c.name for c in router.commands() if c.in_menu and c.audiences & audiences}


# /start


async def test_start_greets_in_english(person: Person) -> None:
    text = await person.text_of("/start")
    assert "Hello Lan!" in text
    assert "UBND phường Thử Nghiệm" in text
    assert "/help" in text


async def test_start_greets_in_vietnamese_by_default(runtime: Runtime) -> None:
    for n, code in enumerate(("vi", "", "fr", "zh-Hans")):
        hoa = Person(runtime, 2000 + n, "Hoa", code)
        outcome = await hoa.say("/start")
        assert outcome.locale == "vi"
        assert outcome.replies[0].text.startswith("Xin chào Hoa! Tôi là trợ lý của ")


async def test_client_language_variants_are_understood(runtime: Runtime) -> None:
    assert (await Person(runtime, 1, "A", "en-US").say("/help")).locale == "en"
    assert (await Person(runtime, 2, "B", "vi_VN").say("/help")).locale == "vi"
    assert (await Person(runtime, 3, "C", "EN").say("/help")).locale == "en"


async def test_first_contact_creates_the_person_once(runtime: Runtime, person: Person) -> None:
    await person.say("/start")
    await person.say("/start")
    assert await count(runtime, PersonRow) == 1
    assert await count(runtime, Identity) == 1


async def test_start_with_a_code_grants_the_role(runtime: Runtime, person: Person) -> None:
    unit_id = await add_unit(runtime, "Văn phòng - Thống kê")
    code = await issue_code(runtime, Role.OFFICIAL, unit_id=unit_id)
    outcome = await person.say(f"/start {code}")
    assert outcome.roles_changed
    assert outcome.roles == {"citizen", "official"}
    text = outcome.replies[0].text
    assert "Welcome! You are now official of Văn phòng - Thống kê." in text
    assert "/help" in text


async def test_start_with_a_code_in_vietnamese(runtime: Runtime) -> None:
    hoa = Person(runtime, 2002, "Hoa", "vi")
    code = await issue_code(runtime, Role.LEADER)
    text = await hoa.text_of(f"/start {code}")
    assert text.startswith("Chào mừng! Bạn đã trở thành lãnh đạo.")


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.lower(),
        lambda code: "-".join(code[i : i + 4] for i in range(0, len(code), 4)),
        lambda code: " ".join(code[i : i + 4] for i in range(0, len(code), 4)).lower(),
        lambda code: f"  {code}  ",
        lambda code: f"{code[:8]} - {code[8:].lower()}",
    ],
    ids=["lower", "dashes", "spaces-lower", "padded", "mixed"],
)
async def test_codes_as_people_type_them_still_work(
    runtime: Runtime, person: Person, typed: Any
) -> None:
    code = await issue_code(runtime, Role.LEADER)
    outcome = await person.say(f"/start {typed(code)}")
    assert outcome.roles == {"citizen", "leader"}
    assert await count(runtime, InviteAttempt) == 0


@pytest.mark.parametrize(
    "garbage",
    [
        "x",
        "💥💥💥",
        "' OR 1=1 --",
        "../../etc/passwd",
        "A" * 100_000,
        "%00%0a",
        "ABCDEFGHJKMNPQRS",  # the right shape, but no such invite
    ],
    ids=["short", "emoji", "sql", "path", "huge", "escapes", "well-formed"],
)
async def test_start_with_garbage_codes_is_refused(
    runtime: Runtime, person: Person, garbage: str
) -> None:
    await issue_code(runtime, Role.ADMIN)  # a real invite exists, but is not this one
    outcome = await person.say(f"/start {garbage}")
    assert [r.text for r in outcome.replies] == [
        "This invite code is not valid. Check it and try again."
    ]
    assert outcome.roles == {"citizen"}
    assert not outcome.roles_changed
    assert await count(runtime, Membership) == 0
    assert await count(runtime, InviteAttempt) == 1


async def test_wrong_code_is_refused_in_vietnamese(runtime: Runtime) -> None:
    hoa = Person(runtime, 2002, "Hoa", "vi")
    assert await hoa.text_of("/start SAIMA") == (
        "Mã mời không hợp lệ. Vui lòng kiểm tra lại và thử lần nữa."
    )


# /join


async def test_join_with_code_argument(runtime: Runtime, person: Person) -> None:
    code = await issue_code(runtime, Role.ADMIN)
    outcome = await person.say(f"/join {code.lower()}")
    assert outcome.roles == {"citizen", "admin"}
    assert "Welcome! You are now administrator." in outcome.replies[0].text


async def test_join_asks_for_the_code_then_takes_it(runtime: Runtime, person: Person) -> None:
    code = await issue_code(runtime, Role.LEADER)
    assert await person.text_of("/join") == "Send me your invite code (or /cancel)."
    assert await count(runtime, Dialog) == 1
    outcome = await person.say(" ".join(code[i : i + 4] for i in range(0, 16, 4)))
    assert outcome.roles == {"citizen", "leader"}
    assert await count(runtime, Dialog) == 0


async def test_join_dialog_wants_text(runtime: Runtime, person: Person) -> None:
    await person.say("/join")
    assert await person.text_of("   ") == "Please type the invite code as text (or /cancel)."
    assert await count(runtime, Dialog) == 1
    assert await count(runtime, InviteAttempt) == 0


async def test_join_dialog_wrong_code_ends_the_dialog(runtime: Runtime, person: Person) -> None:
    await person.say("/join")
    assert "not valid" in await person.text_of("NOT-A-CODE")
    assert await count(runtime, Dialog) == 0
    assert await count(runtime, Membership) == 0
    assert "did not understand" in await person.text_of("NOT-A-CODE")


async def test_join_dialog_times_out(runtime: Runtime, clock: ManualClock, person: Person) -> None:
    code = await issue_code(runtime, Role.LEADER)
    await person.say("/join")
    clock.advance(timedelta(minutes=61))
    text = await person.text_of(code)
    assert text == "That conversation timed out, so it was closed. Please start again."
    assert await count(runtime, Dialog) == 0
    assert await count(runtime, Membership) == 0


# /cancel


async def test_cancel(runtime: Runtime, person: Person) -> None:
    assert await person.text_of("/cancel") == "There is nothing to cancel."
    await person.say("/join")
    assert await person.text_of("/cancel") == "Cancelled. Nothing was saved."
    assert await count(runtime, Dialog) == 0
    assert "did not understand" in await person.text_of("ABCD")


# /help


@pytest.mark.parametrize(
    ("role", "extra"),
    [
        (None, set()),
        (Role.OFFICIAL, {"units"}),
        (Role.LEADER, {"units"}),
        (Role.ADMIN, {"units", "invite", "addunit", "unreachable"}),
    ],
    ids=["citizen", "official", "leader", "admin"],
)
async def test_help_shows_only_the_commands_of_the_roles(
    runtime: Runtime, role: Role | None, extra: set[str]
) -> None:
    unit_id = await add_unit(runtime, "Tư pháp") if role is Role.OFFICIAL else None
    someone = await member(runtime, role, user_id=3000, name="Minh", unit_id=unit_id)
    outcome = await someone.say("/help")
    text = outcome.replies[0].text
    assert text.splitlines()[0] == "What you can do:"
    listed = help_commands(text)
    assert CITIZEN_COMMANDS | extra <= listed
    assert not listed & (CORE_STAFF_COMMANDS - extra)
    assert listed == menu_for(runtime, set(outcome.roles))
    assert "/start" not in text
    # Every listed command really is open to this person.
    for name in sorted(listed - {"cancel"}):
        reply = await someone.text_of(f"/{name}")
        assert reply != "You are not allowed to use this command.", name
        await someone.say("/cancel")


async def test_help_in_vietnamese(runtime: Runtime) -> None:
    hoa = Person(runtime, 2002, "Hoa", "vi")
    text = await hoa.text_of("/help")
    assert text.splitlines()[0] == "Bạn có thể:"
    assert "/whoami — Xem vai trò và đơn vị của bạn" in text
    assert "/lang — Đổi ngôn ngữ" in text
    assert help_commands(text) >= CITIZEN_COMMANDS
    assert not help_commands(text) & CORE_STAFF_COMMANDS


# /whoami


async def test_whoami_citizen(person: Person) -> None:
    assert (await person.text_of("/whoami")).splitlines() == [
        "You are Lan.",
        "Role: citizen.",
        "Language: English.",
    ]


async def test_whoami_in_vietnamese(runtime: Runtime) -> None:
    hoa = Person(runtime, 2002, "Hoa", "vi")
    assert (await hoa.text_of("/whoami")).splitlines() == [
        "Bạn là Hoa.",
        "Vai trò: người dân.",
        "Ngôn ngữ: Tiếng Việt.",
    ]


async def test_whoami_shows_every_role_and_unit(runtime: Runtime) -> None:
    unit_id = await add_unit(runtime, "Địa chính - Xây dựng")
    minh = await member(runtime, Role.OFFICIAL, user_id=3000, name="Minh", unit_id=unit_id)
    await minh.say(f"/start {await issue_code(runtime, Role.ADMIN)}")
    assert (await minh.text_of("/whoami")).splitlines() == [
        "You are Minh.",
        "Role: official, unit: Địa chính - Xây dựng.",
        "Role: administrator.",
        "Language: English.",
    ]


async def test_whoami_with_a_blank_or_huge_display_name(runtime: Runtime) -> None:
    blank = Person(runtime, 4242, "   ")
    assert (await blank.text_of("/whoami")).splitlines()[0] == "Bạn là 4242."
    huge = Person(runtime, 4343, "Ng" * 50_000, "en")
    first = (await huge.text_of("/whoami")).splitlines()[0]
    assert first == f"You are {'Ng' * 100}."


# /lang


async def test_lang_offers_both_languages(person: Person) -> None:
    outcome = await person.say("/lang")
    (reply,) = outcome.replies
    assert reply.text == "Choose your language:"
    assert [[b.data for b in row] for row in reply.buttons] == [["lang:set:vi", "lang:set:en"]]
    assert [b.text for b in reply.buttons[0]] == ["Tiếng Việt", "English"]


async def test_lang_switches_and_is_remembered(runtime: Runtime, person: Person) -> None:
    outcome = await person.press("lang:set:vi")
    assert [r.text for r in outcome.replies] == ["Đã chuyển sang tiếng Việt."]
    assert outcome.locale == "vi"
    assert outcome.roles_changed
    # The client still says English; the stored choice wins.
    assert (await person.text_of("/whoami")).splitlines()[-1] == "Ngôn ngữ: Tiếng Việt."
    async with runtime.sessions() as session:
        assert await session.scalar(select(PersonRow.locale)) == "vi"

    outcome = await person.press("lang:set:en")
    assert [r.text for r in outcome.replies] == ["Language set to English."]
    assert outcome.locale == "en"
    assert (await person.text_of("/help")).startswith("What you can do:")
    # Pressed again: nothing changes, so nothing more is audited.
    await person.press("lang:set:en")
    async with runtime.sessions() as session:
        rows = (
            await session.execute(
                select(AuditEntry.before, AuditEntry.after)
                .where(AuditEntry.action == "person.language_chosen")
                .order_by(AuditEntry.id)
            )
        ).all()
    assert [(r.before, r.after) for r in rows] == [
        ({"language": None}, {"language": "vi"}),
        ({"language": "vi"}, {"language": "en"}),
    ]


@pytest.mark.parametrize(
    "payload", ["lang:set:xx", "lang:set:", "lang:set", "lang:set:EN", "lang:set:vi-VN"]
)
async def test_forged_language_is_refused(runtime: Runtime, person: Person, payload: str) -> None:
    await person.say("/start")
    before = await snapshot(runtime)
    outcome = await person.press(payload)
    assert [r.text for r in outcome.replies] == [
        "This button is no longer valid. Nothing was changed."
    ]
    assert outcome.locale == "en"
    assert not outcome.roles_changed
    assert await snapshot(runtime) == before


# Unknown input


@pytest.mark.parametrize("text", ["xin chào", "", "what?", "task done 42", "x" * 100_000])
async def test_unknown_text_gets_a_short_hint(person: Person, text: str) -> None:
    outcome = await person.say(text)
    (reply,) = outcome.replies
    assert reply.text == "I did not understand that. Send /help to see what I can do."
    assert reply.buttons == ()


async def test_unknown_text_hint_in_vietnamese(runtime: Runtime) -> None:
    hoa = Person(runtime, 2002, "Hoa", "vi")
    assert await hoa.text_of("cho tôi hỏi") == (
        "Tôi chưa hiểu ý bạn. Gửi /help để xem tôi có thể làm gì."
    )


@pytest.mark.parametrize("text", ["/frobnicate", "/HELPME now", "/a_b_c"])
async def test_unknown_command(person: Person, text: str) -> None:
    assert await person.text_of(text) == (
        "I do not know that command. Send /help to see what I can do."
    )


async def test_commands_are_case_insensitive_and_accept_the_bot_suffix(person: Person) -> None:
    assert (await person.text_of("/HELP@SomeBot")).startswith("What you can do:")


async def test_slash_alone_is_text(person: Person) -> None:
    for text in ("/", "/ ", "/  help"):
        assert "did not understand" in await person.text_of(text)
