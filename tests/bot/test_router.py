"""The router and the audiences (roles) it checks."""

from __future__ import annotations

import pytest

from bot.context import Context
from bot.i18n import Translator
from bot.messages import CALLBACK_DATA_LIMIT
from bot.roles import ADMINS, EVERYONE, LEADERS, STAFF, Audience, audience_label, audiences_of
from bot.router import Router
from bot.wiring import build_router


async def first(ctx: Context) -> None:
    """A handler."""


async def second(ctx: Context) -> None:
    """Another handler."""


def test_commands_resolve_in_registration_order() -> None:
    router = Router()
    router.command("help", first, description="Help")
    router.command("units", second, description="Units", audiences=STAFF, in_menu=False)
    assert [c.name for c in router.commands()] == ["help", "units"]
    help_command = router.resolve_command("help")
    assert help_command is not None
    assert help_command.handler is first
    assert help_command.audiences == EVERYONE
    assert help_command.in_menu
    units = router.resolve_command("units")
    assert units is not None
    assert units.audiences == STAFF
    assert not units.in_menu
    assert router.resolve_command("nope") is None


@pytest.mark.parametrize("name", ["Help", "giúp", "add-unit", "", "a b", "/help"])
def test_bad_command_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="lower-case ASCII"):
        Router().command(name, first, description="x")


def test_command_registered_twice_is_refused() -> None:
    router = Router()
    router.command("add_unit", first, description="x")
    with pytest.raises(ValueError, match="twice"):
        router.command("add_unit", second, description="y")


def test_button_payloads_resolve_with_arguments() -> None:
    router = Router()
    router.button("task:done", first, audiences=STAFF)
    route = router.resolve_button("task:done:42")
    assert route is not None
    assert route.handler is first
    assert route.audiences == STAFF
    assert route.args == ("42",)
    bare = router.resolve_button("task:done")
    assert bare is not None
    assert bare.args == ()
    many = router.resolve_button("task:done:1:2:")
    assert many is not None
    assert many.args == ("1", "2", "")


@pytest.mark.parametrize(
    "payload",
    ["", "nonsense", "task", "task:", ":done", "::", "task:undo:1", "TASK:done:1", "a:b:c:d"],
)
def test_unknown_or_malformed_payloads_resolve_to_nothing(payload: str) -> None:
    router = Router()
    router.button("task:done", first)
    assert router.resolve_button(payload) is None


def test_payloads_longer_than_any_button_are_refused() -> None:
    router = Router()
    router.button("task:done", first)
    longest = "task:done:" + "9" * (CALLBACK_DATA_LIMIT - len("task:done:"))
    assert router.resolve_button(longest) is not None
    assert router.resolve_button(longest + "9") is None
    assert router.resolve_button("task:done:" + "ệ" * 19) is None  # 67 bytes, 29 characters


def test_button_prefix_registered_twice_is_refused() -> None:
    router = Router()
    router.button("task:done", first)
    with pytest.raises(ValueError, match="twice"):
        router.button("task:done", second)


def test_steps_and_fallback() -> None:
    router = Router()
    assert router.fallback_handler is None
    router.step("addunit", "name", first)
    router.step("addunit", "aliases", second)
    router.fallback(second)
    assert router.resolve_step("addunit", "name") is first
    assert router.resolve_step("addunit", "aliases") is second
    assert router.resolve_step("addunit", "other") is None
    assert router.resolve_step("join", "name") is None
    assert router.fallback_handler is second


def test_the_bots_router_is_wired() -> None:
    router = build_router()
    names = [c.name for c in router.commands()]
    assert names[:6] == ["start", "help", "whoami", "lang", "join", "cancel"]
    assert {"units", "invite", "addunit"} <= set(names)
    invite = router.resolve_command("invite")
    assert invite is not None
    assert invite.audiences == ADMINS
    start = router.resolve_command("start")
    assert start is not None
    assert not start.in_menu
    assert router.resolve_button("lang:set:en") is not None
    assert router.fallback_handler is not None


def test_everyone_is_a_citizen() -> None:
    assert audiences_of([]) == {Audience.CITIZEN}
    assert audiences_of(["official"]) == {Audience.CITIZEN, Audience.OFFICIAL}
    assert audiences_of(["admin", "leader", "admin"]) == {
        Audience.CITIZEN,
        Audience.ADMIN,
        Audience.LEADER,
    }


def test_unknown_role_is_an_error() -> None:
    with pytest.raises(ValueError, match="superuser"):
        audiences_of(["superuser"])


def test_audience_groups() -> None:
    assert set(Audience) == EVERYONE
    assert Audience.CITIZEN not in STAFF
    assert {Audience.LEADER, Audience.ADMIN} == LEADERS
    assert {Audience.ADMIN} == ADMINS
    assert ADMINS < LEADERS < STAFF < EVERYONE


def test_audience_labels_are_translated() -> None:
    vi, en = Translator("vi"), Translator("en")
    assert audience_label(Audience.CITIZEN, vi) == "người dân"
    assert audience_label(Audience.OFFICIAL, vi) == "công chức"
    assert audience_label(Audience.LEADER, vi) == "lãnh đạo"
    assert audience_label(Audience.ADMIN, vi) == "quản trị viên"
    assert [audience_label(a, en) for a in Audience] == [
        "citizen",
        "official",
        "leader",
        "administrator",
    ]
