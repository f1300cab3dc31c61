"""The feedback dialog's, plan mapping's, language, status, invite-role and erase buttons:
each declared once.

The wire format is that of buttons already sent, so an old message's button still works.
"""

from __future__ import annotations

import pytest

from bot.feedback.buttons import (
    Confirm,
    Confirmation,
    PickConsent,
    PickKind,
    PickPublish,
    PickTopic,
    Skippable,
    SkipStep,
    StartFeedback,
    Topic,
)
from bot.invite_buttons import InviteRole
from bot.language_buttons import Language, SetLanguage
from bot.payloads import Payload, YesNo
from bot.plans.buttons import (
    CancelImport,
    ConfirmImport,
    MapName,
    MapRestAsNew,
    MapTo,
    MapUnitsPage,
)
from bot.plans.mapping import Target
from bot.privacy.buttons import ForgetMe
from bot.status_buttons import Dimension, StatusDimension
from db.models import CaseKind, Role

WIRE: list[tuple[Payload, str]] = [
    (StartFeedback(), "fb:start"),
    (PickKind(CaseKind.DENUNCIATION), "fb:kind:denunciation"),
    (PickTopic(Topic("land")), "fb:topic:land"),
    (SkipStep(Skippable.CONTACT), "fb:next:contact"),
    (PickPublish(YesNo.YES), "fb:publish:yes"),
    (PickConsent(YesNo.NO), "fb:consent:no"),
    (Confirm(Confirmation.JOIN), "fb:confirm:join"),
    (SetLanguage(Language("en")), "lang:set:en"),
    (StatusDimension(Dimension("D3")), "status:dim:D3"),
    (ConfirmImport(7), "plan:confirm:7"),
    (CancelImport(7), "plan:cancel:7"),
    (MapRestAsNew(7), "plan:rest:7"),
    (MapName(7, 2, MapTo(Target.UNIT, 12)), "plan:map:7:2:u12"),
    (MapName(7, 0, MapTo(Target.VILLAGES)), "plan:map:7:0:villages"),
    (MapUnitsPage(7, 2, 3), "plan:units:7:2:3"),
    (InviteRole(Role.LEADER), "invite:role:leader"),
    (ForgetMe(YesNo.YES), "privacy:forget:yes"),
]


@pytest.mark.parametrize(("payload", "wire"), WIRE, ids=[w for _, w in WIRE])
def test_each_button_builds_its_old_wire_format_and_parses_it_back(
    payload: Payload, wire: str
) -> None:
    assert payload.data == wire
    prefix, args = wire.split(":", 2)[:2], wire.split(":")[2:]
    assert ":".join(prefix) == payload.prefix
    assert type(payload).parse(tuple(args)) == payload


def test_a_dimension_reads_in_either_case() -> None:
    assert StatusDimension.parse(("d5",)) == StatusDimension(Dimension("D5"))


@pytest.mark.parametrize(
    ("kind", "args"),
    [
        (PickKind, ("gossip",)),
        (PickKind, ("Complaint",)),
        (PickTopic, ("weather",)),
        (PickTopic, ("LAND",)),
        (PickTopic, ("land\x00",)),
        (SkipStep, ("text",)),
        (PickPublish, ("maybe",)),
        (PickConsent, ("",)),
        (Confirm, ("send", "now")),
        (StartFeedback, ("x",)),
        (SetLanguage, ("fr",)),
        (SetLanguage, ("EN",)),
        (SetLanguage, ("e" * 5000,)),
        (StatusDimension, ("D9",)),
        (StatusDimension, ("D0",)),
        (StatusDimension, ("D1 ",)),
        (StatusDimension, ("D١",)),
        (ConfirmImport, ("-1",)),
        (ConfirmImport, ("７",)),
        (MapName, ("7", "2", "u")),
        (MapName, ("7", "2", "u-1")),
        (MapName, ("7", "2", "u99999999999")),
        (MapName, ("7", "2", "u١٢")),
        (MapName, ("7", "2", "unit")),
        (MapName, ("7", "2", "U12")),
        (MapName, ("7", "x", "new")),
        (MapUnitsPage, ("7", "2")),
        (InviteRole, ("superuser",)),
        (ForgetMe, ("please",)),
    ],
)
def test_anything_else_names_nothing(kind: type[Payload], args: tuple[str, ...]) -> None:
    assert kind.parse(args) is None
