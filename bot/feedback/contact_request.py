"""Asking a citizen for contact details on Zalo, with the "request user info" card.

Staff who may read a case's contact ask; the card goes to the citizen's Zalo OA chat through
the outbox; the citizen's answer (``user_submit_info``) is kept sealed on their identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.channels.zalo_oa import CHANNEL as ZALO
from bot.errors import BotError, NotAllowed
from bot.feedback.catalog import normalize_code
from bot.feedback.policy import may_see_contact
from bot.i18n import Translator
from bot.messages import InfoCard, Reply
from bot.operations import Operation
from db.queries import cases, outbox, people

KIND: Final = "contact_request"


class NotOnZalo(BotError):
    """The case's citizen has no Zalo OA chat to send the card to."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def message(self, t: Translator) -> str:
        """What to tell the person who asked."""
        return t._(
            "The citizen of {code} does not write to the commune on Zalo; the request can "
            "only be sent there.",
            code=self.code,
        )


class NotACode(BotError):
    """What was given is not a tracking code."""

    def message(self, t: Translator) -> str:
        """How to ask."""
        return t._("Which case? For example /askcontact PA-2026-00042.")


class UnknownCase(BotError):
    """No case of the asker's organization has this code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def message(self, t: Translator) -> str:
        """Say so, naming the code."""
        return t._("There is no case {code} in your organization.", code=self.code)


@dataclass(frozen=True, slots=True)
class ContactAsked:
    """A card queued for a case's citizen (``queued`` is false if asked already today)."""

    code: str
    queued: bool


async def ask_contact(op: Operation, code_text: str) -> ContactAsked:
    """Queue the "request user info" card for the citizen of a case, and audit it."""
    code = normalize_code(code_text)
    if code is None:
        raise NotACode()
    case = await cases.case_by_code(op.session, code)
    if case is None or case.org_id != op.actor.org_id:
        raise UnknownCase(code)
    if not may_see_contact(op.actor, case):
        raise NotAllowed
    zalo = [i for i in await people.identities_of(op.session, case.citizen_id) if i.channel == ZALO]
    if not zalo:
        raise NotOnZalo(case.code)
    queued = await outbox.enqueue(
        op.session,
        outbox.Wanted(
            key=f"{KIND}:{case.id}:{op.today.isoformat()}",
            person_id=case.citizen_id,
            channel=ZALO,
            chat_id=zalo[0].chat_id,
            kind=KIND,
            due_at=op.now,
            params={"case": case.id, "code": case.code},
            org_id=case.org_id,
        ),
    )
    if queued:
        await op.audit("case.contact_requested", "case", case.id, after={"channel": ZALO})
    return ContactAsked(case.code, queued)


def contact_card(code: str, t: Translator) -> Reply:
    """The card, worded in the citizen's language; its text is what text-only channels show."""
    title = t._("Share your contact details")
    subtitle = t._(
        "To answer your feedback {code}, the People's Committee asks for your name, phone "
        "number and address. They are kept sealed, seen only by the officials handling it, "
        "and used for nothing else. You may refuse: your feedback is handled either way.",
        code=code,
    )
    return Reply(subtitle, card=InfoCard(title, subtitle))
