"""Staff ask a citizen on Zalo for contact details; the card and the answer, end to end."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.feedback.contact_request import contact_card
from bot.feedback.intake import Submission, receive_case
from bot.i18n import Translator
from bot.runtime import Runtime
from bot.settings import Settings
from db.models import AuditEntry, CaseKind, Identity, Role
from jobs.outbox import Sweeper
from tests.bot.channels.zalo_support import running_on_zalo, zalo_settings
from tests.conftest import Person
from tests.handlers.feedback_support import dump
from tests.handlers.test_common import member
from tests.support.zalo_oa import ZaloOAEmulator

PHONE = "0912345678"


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloOAEmulator]:
    """A Zalo OA on 127.0.0.1."""
    async with ZaloOAEmulator() as emu:
        yield emu


async def _case(
    runtime: Runtime, clock: ManualClock, channel: str, user_id: str, kind: CaseKind
) -> str:
    """A case received from the person behind a channel account; its code."""
    text = "Đèn đường ở tổ 3 bị hỏng."
    async with runtime.sessions.begin() as session:
        identity = await session.scalar(
            select(Identity).where(Identity.channel == channel, Identity.user_id == user_id)
        )
        assert identity is not None
        received = await receive_case(
            session,
            Submission(
                kind=kind,
                topic="infrastructure",
                text=text,
                text_hash=hashlib.sha256(text.encode()).hexdigest(),
                channel=channel,
                chat_id=identity.chat_id,
                consent_at=clock.now(),
                address="Tổ 3" if kind is CaseKind.DENUNCIATION else None,
            ),
            citizen_id=identity.person_id,
            org_id=runtime.dispatcher.deployment.root_org_id,
            audit_org_id=runtime.dispatcher.deployment.root_org_id,
            now=clock.now(),
            tz=runtime.settings.tz,
            sealer=runtime.dispatcher.deployment.sealer,
        )
        return received.case.code


def test_the_card_asks_for_consent_in_both_languages() -> None:
    vi = contact_card("PA-2026-00042", Translator("vi"))
    en = contact_card("PA-2026-00042", Translator("en"))
    assert vi.card is not None
    assert en.card is not None
    assert vi.card.title == "Chia sẻ thông tin liên hệ"
    assert en.card.title == "Share your contact details"
    assert "PA-2026-00042" in vi.card.subtitle
    assert "PA-2026-00042" in en.card.subtitle
    assert "niêm phong" in vi.card.subtitle
    assert "You may refuse" in en.card.subtitle
    for reply in (vi, en):
        assert reply.card is not None
        assert len(reply.card.title) <= 100
        assert len(reply.card.subtitle) <= 500
        assert reply.text == reply.card.subtitle  # what a channel without the card shows


async def test_staff_ask_a_zalo_citizen_for_contact_details(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = zalo_settings(settings, zalo)
    lan = zalo.user("Lan")
    async with running_on_zalo(settings, clock, zalo) as runtime:
        assert await lan.follow() == 200
        await lan.wait_for(1)
        code = await _case(runtime, clock, "zalo_oa", lan.user_id, CaseKind.REFLECTION)
        secret = await _case(runtime, clock, "zalo_oa", lan.user_id, CaseKind.DENUNCIATION)
        admin = await member(runtime, Role.ADMIN, user_id=9001, name="Thu")
        hoa = Person(runtime, 2002, "Hoa", "en")
        await hoa.say("/start")
        not_on_zalo = await _case(runtime, clock, "test", "2002", CaseKind.REFLECTION)

        assert await hoa.text_of(f"/askcontact {code}") == (
            "You are not allowed to use this command."
        )
        usage = "Which case? For example /askcontact PA-2026-00042."
        for bad in ("/askcontact", "/askcontact ' OR 1=1 --", "/askcontact " + "9" * 5000):
            assert await admin.text_of(bad) == usage
        assert await admin.text_of("/askcontact pa-2026-99999") == (
            "There is no case PA-2026-99999 in your organization."
        )
        # A denouncer's identity is not for administrators: nor is asking for it.
        assert await admin.text_of(f"/askcontact {secret}") == (
            "This button is not for you. Nothing was changed."
        )
        assert await admin.text_of(f"/askcontact {not_on_zalo}") == (
            f"The citizen of {not_on_zalo} does not write to the commune on Zalo; the request "
            "can only be sent there."
        )
        assert await admin.text_of(f"/askcontact {code.lower()}") == (
            f"The citizen of {code} will get a card on Zalo asking for contact details. "
            "What they share is kept sealed with the case's sender."
        )
        assert await admin.text_of(f"/askcontact {code}") == (
            f"The citizen of {code} was asked already today."
        )

        before = len(lan.messages())
        await Sweeper(runtime.sessions, clock, runtime.senders, settings.tz, worker="t").sweep()
        [card] = lan.messages()[before:]
        assert card.attachment is not None
        assert card.attachment["type"] == "template"
        payload = card.attachment["payload"]
        assert payload["template_type"] == "request_user_info"
        [element] = payload["elements"]
        assert element["title"] == "Chia sẻ thông tin liên hệ"
        assert code in element["subtitle"]
        await Sweeper(runtime.sessions, clock, runtime.senders, settings.tz, worker="t").sweep()
        assert len(lan.messages()) == before + 1  # sent once

        assert await lan.submit_info(name="Nguyễn Thị Lan", phone=PHONE, address="Tổ 3") == 200
        [thanks] = (await lan.wait_for(before + 2))[before + 1 :]
        assert (thanks.text or "").startswith("Cảm ơn")
        async with runtime.sessions() as session:
            identity = await session.scalar(select(Identity).where(Identity.user_id == lan.user_id))
            assert identity is not None
            assert identity.contact_sealed is not None
            [asked] = await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "case.contact_requested")
            )
            assert asked.after == {"channel": "zalo_oa"}
        stored = await dump(runtime)
        assert PHONE not in stored
        assert "Nguyễn Thị Lan" not in stored
