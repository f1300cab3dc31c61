"""/link, /channel and /unreachable through the dispatcher, as people on several channels."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.channels.notices import ZaloReconnect
from bot.clock import ManualClock
from bot.i18n import Translator
from bot.messages import Attachment, Incoming
from bot.people.notices import AccountLinked, AccountUnlinked
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from db.models import (
    AuditEntry,
    Case,
    CaseKind,
    Identity,
    LinkAttempt,
    LinkCode,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
)
from db.queries import links, orgs, reminders
from jobs.outbox import Sweeper
from tests.conftest import VN
from tests.conftest import Person as Speaker
from tests.handlers.conftest import RecordingSender, sweep
from tests.handlers.feedback_support import file_case
from tests.handlers.test_common import add_unit, count, issue_code, snapshot

WRONG = "This link code is not valid. Check it, or send /link on your other channel for a new one."
MALFORMED = "A link code has 8 letters and digits, like ABCD-EFGH. Send it again (or /cancel)."
USED = "This link code has already been used. Send /link on your other channel for a new one."
EXPIRED = "This link code has expired. Send /link on your other channel for a new one."
LAST = "This is your only channel, so it cannot be removed. Nothing was changed."
NOT_YOURS = "You have no account on that channel. Nothing was changed."
NOT_VALID = "This button is no longer valid. Nothing was changed."
UNLINKED_TELEGRAM = (
    "🔐 A channel was removed from your account: Telegram. It no longer gets your reminders "
    "or messages. If this wasn't you, tell your commune's administrator."
)


class On(Speaker):
    """A person writing on a given channel."""

    def __init__(
        self, runtime: Runtime, channel: str, user_id: int, name: str, language: str = "en"
    ) -> None:
        super().__init__(runtime, user_id, name, language)
        self.channel = channel

    def _incoming(self, text: str | None = None, button: str | None = None) -> Incoming:
        return Incoming(
            channel=self.channel,
            user_id=str(self.user_id),
            chat_id=str(self.user_id),
            display_name=self.name,
            language_code=self.language,
            text=text,
            button=button,
        )


async def code_of(who: Speaker) -> str:
    """Ask for a link code; return it as shown."""
    text = await who.text_of("/link")
    found = re.search(r"(?:Your link code|Mã liên kết của bạn): ([A-Z0-9]{4}-[A-Z0-9]{4})", text)
    assert found, text
    return found.group(1)


async def person_of(runtime: Runtime, who: On) -> Person:
    async with runtime.sessions() as session:
        identity = await session.scalar(
            select(Identity).where(
                Identity.channel == who.channel, Identity.user_id == str(who.user_id)
            )
        )
        assert identity is not None
        return await session.get_one(Person, identity.person_id)


async def test_a_code_from_one_channel_joins_the_other_with_roles_language_and_cases(
    runtime: Runtime,
) -> None:
    unit = await add_unit(runtime, "Tư pháp")
    # The official first met the bot on the console; later she writes on Telegram too.
    console = On(runtime, "console", 1, "Chị Mai")
    await console.say(f"/start {await issue_code(runtime, Role.OFFICIAL, unit_id=unit)}")
    await console.say("/lang")
    await console.press("lang:set:vi")
    telegram = On(runtime, "telegram", 2, "Mai Telegram", "en")
    case_code = await file_case(telegram)
    assert "/tasks" not in await telegram.text_of("/help")
    older, newer = await person_of(runtime, console), await person_of(runtime, telegram)

    code = await code_of(telegram)
    async with runtime.sessions() as session:
        stored = (await session.scalars(select(LinkCode.code_hash))).all()
    assert code.replace("-", "") not in repr(stored)  # only the hash is kept

    answer = await console.say(f"/link {code.lower().replace('-', ' ')}")
    assert answer.roles_changed
    text = answer.replies[0].text
    assert text.startswith("Xong: các kênh của bạn giờ là một tài khoản"), text
    assert "Telegram" in text

    # The link dialog Telegram opened is over: plain text is no longer read as a code.
    assert "ABCD-EFGH" not in await telegram.text_of("xin chào")
    # Telegram now acts as the official, in Vietnamese, and sees the citizen's case.
    assert (await person_of(runtime, telegram)).id == older.id
    help_text = await telegram.text_of("/help")
    assert help_text.startswith("Bạn có thể:")
    assert "/tasks" in help_text
    assert case_code in await telegram.text_of("/mycases")
    assert case_code in await console.text_of("/mycases")
    async with runtime.sessions() as session:
        assert (await session.get_one(Person, newer.id)).merged_into == older.id
        # Nothing names the newer person any more but the audit trail, which is chained.
        assert set(await links.remaining_references(session, newer.id)) <= {"audit_log.actor_id"}
        case = await session.scalar(select(Case).where(Case.code == case_code))
        assert case is not None
        assert case.citizen_id == older.id
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "person.linked" in actions

    # The code worked once: a third account cannot use it.
    third = On(runtime, "zalo_oa", 3, "Ai đó")
    assert await third.text_of(f"/link {code}") == USED
    # Linked accounts are one person: a code from one is "already yours" on the other.
    again = await code_of(console)
    assert "đã được liên kết" in await telegram.text_of(f"/link {again}")


async def test_link_refusals_are_clear_and_change_nothing(runtime: Runtime) -> None:
    lan = On(runtime, "telegram", 10, "Lan")
    other = On(runtime, "zalo_oa", 11, "Lan Zalo")
    await other.say("/start")
    code = await code_of(lan)

    # Its own code: nothing to join.
    assert "already linked" in await lan.text_of(f"/link {code}")
    before = await snapshot(runtime)
    for hostile in (
        "",
        " ",
        "\x00ABCD-EFGH",
        "ABCD\u200b-EFGH",
        "A" * 10_000,
        "ABCD-EFG",
        "🙂" * 8,
    ):
        reply = await other.text_of(f"/link {hostile}") if hostile.strip() else None
        if reply is not None:
            assert reply == MALFORMED, hostile
    # Malformed text is refused without a lookup, counted against nobody, and changes nothing.
    assert await snapshot(runtime) == before
    # Control characters hidden inside a real code do not make it that code.
    assert await other.text_of(f"/link {code[:4]}\x07{code[5:]}") == MALFORMED
    assert await snapshot(runtime) == before

    # In the dialog: non-text and empty answers are asked for again.
    assert (await other.text_of("/link")).startswith("Your link code:")
    assert await other.text_of("   ") == "Please type the link code as text (or /cancel)."
    photo = Attachment("code.jpg", "image/jpeg", 3, b"abc")
    sent = await runtime.dispatcher.handle(replace(other._incoming(), attachment=photo))
    assert [r.text for r in sent.replies] == ["Please type the link code as text (or /cancel)."]

    # Expired after ten minutes.
    runtime.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    assert await other.text_of(code) == EXPIRED
    assert (await person_of(runtime, lan)).id != (await person_of(runtime, other)).id


async def test_a_flood_of_wrong_codes_is_stopped_and_counted_per_person(runtime: Runtime) -> None:
    owner = On(runtime, "telegram", 20, "Chủ")
    guesser = On(runtime, "zalo_oa", 21, "Đoán")
    code = await code_of(owner)
    for n in range(5):
        wrong = f"ABCD-EF{'GH'[n % 2]}{n + 2}"
        assert await guesser.text_of(f"/link {wrong}") == WRONG
    assert await count(runtime, LinkAttempt) == 5
    # The sixth try is refused before the code is even looked at, even the right code.
    assert (await guesser.text_of(f"/link {code}")).startswith("Too many wrong link codes.")
    assert (await person_of(runtime, owner)).id != (await person_of(runtime, guesser)).id
    # Someone else is not held up by the guesser's flood.
    friend = On(runtime, "zalo_oa", 22, "Bạn")
    assert (await friend.text_of(f"/link {code}")).startswith("Done:")
    # Later the guesser may try again.
    runtime.clock.advance(timedelta(minutes=16))  # type: ignore[attr-defined]
    assert await guesser.text_of(f"/link {code}") == USED


async def test_staff_of_two_organizations_are_not_joined(runtime: Runtime) -> None:
    async with runtime.sessions.begin() as session:
        other = await orgs.add_org(
            session,
            name="UBND xã Bên Cạnh",
            level="commune",
            parent_id=None,
            now=runtime.clock.now(),
        )
        other_id = other.id
    here = On(runtime, "telegram", 30, "Admin Đây")
    await here.say(f"/start {await issue_code(runtime, Role.ADMIN)}")
    there = On(runtime, "zalo_oa", 31, "Admin Kia")
    await there.say(f"/start {await issue_code(runtime, Role.ADMIN, org_id=other_id)}")
    code = await code_of(here)
    before = await snapshot(runtime)
    assert "different organizations" in await there.text_of(f"/link {code}")
    after = await snapshot(runtime)
    # Refused before anything was written: the code still works for the right account.
    assert after["link_codes"] == before["link_codes"]
    assert after["memberships"] == before["memberships"]
    assert after["identities"] == before["identities"]
    # Staff of the same organization, or staff and a citizen account, are joined.
    same = On(runtime, "zalo_oa", 32, "Admin Đây Zalo")
    await same.say(f"/start {await issue_code(runtime, Role.ADMIN)}")
    assert (await same.text_of(f"/link {code}")).startswith("Done:")
    async with runtime.sessions() as session:
        roles = (
            await session.scalars(
                select(Membership.id).where(
                    Membership.person_id == (await person_of(runtime, here)).id
                )
            )
        ).all()
    assert len(roles) == 1  # the same role twice is kept once


async def test_channel_lists_accounts_and_the_choice_is_kept(runtime: Runtime) -> None:
    tg = On(runtime, "telegram", 40, "Hòa")
    zalo = On(runtime, "zalo_oa", 41, "Hòa")
    alone = await tg.text_of("/channel")
    assert "Telegram: reminders go here" in alone
    assert "send /link" in alone
    await zalo.say(f"/link {await code_of(tg)}")
    shown = await tg.say("/channel")
    [reply] = shown.replies
    assert "Telegram: reminders go here" in reply.text
    assert "Zalo OA: used when the first one cannot deliver" in reply.text
    assert [b.data for row in reply.buttons for b in row] == [
        "channel:set:telegram",
        "channel:set:zalo_oa",
    ]
    assert (await zalo.text_of("/channel")) == reply.text  # one person, same answer anywhere
    answer = await tg.press("channel:set:zalo_oa")
    assert answer.replies[0].text.startswith("Reminders now go to Zalo OA first.")
    assert (await person_of(runtime, tg)).preferred_channel == "zalo_oa"
    assert "Zalo OA: reminders go here" in await tg.text_of("/channel")
    # A forged button for a channel the person has no account on changes nothing.
    before = await snapshot(runtime)
    for forged in (
        "channel:set:console",
        "channel:set:" + "x" * 500,
        "channel:set:",
        "channel:set:a:b",
    ):
        text = (await tg.press(forged)).replies[0].text
        assert "Nothing was changed" in text, forged
    assert await snapshot(runtime) == before


async def test_unreachable_list_for_admins_only_without_citizens_names(runtime: Runtime) -> None:
    admin = On(runtime, "telegram", 50, "Quản Trị")
    await admin.say(f"/start {await issue_code(runtime, Role.ADMIN)}")
    unit = await add_unit(runtime, "Địa chính")
    official = On(runtime, "zalo_oa", 51, "Cán Bộ Nam")
    await official.say(f"/start {await issue_code(runtime, Role.OFFICIAL, unit_id=unit)}")
    citizen = On(runtime, "zalo_oa", 52, "Nguyễn Văn Dân")
    case_code = await file_case(citizen)
    # A denouncer: never named, and the denunciation's code is not shown either.
    denouncer = On(runtime, "zalo_oa", 53, "Lê Thị Tố")
    secret = await file_case(
        denouncer,
        CaseKind.DENUNCIATION,
        "conduct",
        "Secret denunciation text.",
        name="Lê Thị Tố",
        phone="0987 000 111",
    )
    assert (await admin.text_of("/unreachable")) == (
        "Everyone can be reached on at least one channel."
    )
    assert await citizen.text_of("/unreachable") == "You are not allowed to use this command."
    now = runtime.clock.now()
    async with runtime.sessions.begin() as session:
        for who, reason in ((official, "zalo-230"), (citizen, "zalo-213"), (denouncer, "zalo-230")):
            await reminders.mark_unreachable(session, who.channel, str(who.user_id), now, reason)
    text = await admin.text_of("/unreachable")
    assert "Cán Bộ Nam — Zalo OA: zalo-230 since" in text
    assert f"A citizen (cases {case_code}) — Zalo OA: zalo-213 since" in text
    assert "Nguyễn Văn Dân" not in text
    assert "A citizen and 1 confidential case — Zalo OA: zalo-230 since" in text
    assert secret not in text
    assert "Lê Thị Tố" not in text
    assert "0987" not in text
    # Writing again takes a person off the list.
    await official.say("/whoami")
    text = await admin.text_of("/unreachable")
    assert "Cán Bộ Nam" not in text
    assert case_code in text


async def test_a_merged_staff_accounts_name_stays_in_clear_after_a_restart(
    settings: Settings, clock: ManualClock
) -> None:
    async with open_runtime(settings, clock) as runtime:
        citizen = On(runtime, "console", 11, "Lan")
        other = On(runtime, "console", 12, "Hồ Thị Bảo")
        await citizen.say("/help")
        await other.say("/help")
        # The official's account is the newer one: it is merged into the citizen's.
        staff = On(runtime, "telegram", 13, "Cán bộ Vân")
        await staff.say(f"/start {await issue_code(runtime, Role.ADMIN)}")
        assert (await person_of(runtime, staff)).display_name == "Cán bộ Vân"
        merged = await person_of(runtime, staff)
        assert (await citizen.say(f"/link {await code_of(staff)}")).roles_changed
        # A citizen merged into a citizen stays a citizen.
        third = On(runtime, "zalo_oa", 14, "Trần Văn Út")
        await third.say("/help")
        third_row = await person_of(runtime, third)
        await third.say(f"/link {await code_of(other)}")
    async with open_runtime(settings, clock) as runtime:
        kept = await person_of(runtime, citizen)
        async with runtime.sessions() as session:
            left = await session.get_one(Person, merged.id)
            gone = await session.get_one(Person, third_row.id)
            clear = (await session.scalars(select(Person.display_name))).all()
    # The merged official's row still names them for the audit trail, in clear.
    assert (left.merged_into, left.display_name, left.name_sealed) == (kept.id, "Cán bộ Vân", None)
    assert kept.display_name == "Cán bộ Vân"
    assert gone.merged_into is not None
    assert gone.display_name == ""
    assert not {"Lan", "Hồ Thị Bảo", "Trần Văn Út"} & set(clear)
    # A name sealed by mistake before is put back in clear at the next start.
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        wrong = await session.get_one(Person, merged.id)
        wrong.name_sealed = runtime.keys.sealer.seal(wrong.display_name)
        wrong.display_name = ""
    async with open_runtime(settings, clock) as runtime, runtime.sessions() as session:
        restored = await session.get_one(Person, merged.id)
        assert (restored.display_name, restored.name_sealed) == ("Cán bộ Vân", None)
        untouched = await session.get_one(Person, third_row.id)
        assert (untouched.display_name, untouched.name_sealed) == ("", None)


async def _account_notices(runtime: Runtime) -> list[OutboxMessage]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "account_notice")
        )
        return list(rows.all())


async def test_the_accounts_already_linked_are_told_of_a_new_channel(runtime: Runtime) -> None:
    # Mai's code was tricked out of her: a stranger sends it from Telegram.
    mai = Speaker(runtime, 31, "Mai", "en")
    await mai.say("/help")
    stranger = On(runtime, "telegram", 32, "Người lạ", "vi")
    linked = await stranger.text_of(f"/link {await code_of(mai)}")
    assert linked.startswith("Xong: các kênh của bạn giờ là một tài khoản"), linked
    [row] = await _account_notices(runtime)
    assert (row.channel, row.chat_id) == ("test", "31")
    # Mai reads it on her own chat, in her language, even if reminders went to Telegram.
    await stranger.press("channel:set:telegram")
    sent = await sweep(runtime)
    [notice] = sent.to(mai)
    assert notice.text == (
        "🔐 Your account was linked to a new channel: Telegram. If this wasn't you, send "
        "/unlink here to remove that channel, and tell your commune's administrator."
    )
    assert [r.status for r in await _account_notices(runtime)] == [OutboxStatus.SENT]
    assert not [text for chat, text in sent.sent if chat != 31]
    # Sent once: a second sweep has nothing more.
    assert (await sweep(runtime)).sent == []


async def test_the_security_notice_reads_in_vietnamese() -> None:
    text = AccountLinked(channels="zalo_oa,telegram").render(Translator("vi"))
    assert text.startswith(
        "🔐 Tài khoản của bạn vừa được liên kết với kênh mới: Zalo OA, Telegram."
    )
    assert "/unlink" in text


async def test_a_channel_is_unlinked_and_the_last_one_stays(runtime: Runtime) -> None:
    mai = Speaker(runtime, 41, "Mai", "en")
    await mai.say("/help")
    stranger = On(runtime, "telegram", 42, "Người lạ", "en")
    await stranger.text_of(f"/link {await code_of(mai)}")
    await stranger.press("channel:set:telegram")
    menu = (await mai.say("/unlink")).replies[0]
    assert menu.text.startswith("Which channel should no longer be part of your account?")
    labels = {b.text: b.data for row in menu.buttons for b in row}
    assert set(labels) == {"Remove test (this chat)", "Remove Telegram"}

    done = await pressed(mai, labels["Remove Telegram"])
    assert (
        done == "Telegram is no longer linked to your account. Send /channel to see the ones left."
    )
    person = await person_of_test(runtime, 41)
    assert person.preferred_channel is None
    async with runtime.sessions() as session:
        [entry] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "person.unlinked"))
        ).all()
        accounts = (
            await session.scalars(select(Identity).where(Identity.person_id == person.id))
        ).all()
    assert [a.channel for a in accounts] == ["test"]
    assert entry.before is not None
    assert entry.before["channel"] == "telegram"
    assert "42" not in json.dumps([entry.before, entry.after])
    # The Telegram chat is a new, separate citizen now: no roles, none of Mai's cases.
    await stranger.say("/help")
    assert (await person_of(runtime, stranger)).id != person.id
    # The last channel stays.
    assert (await mai.text_of("/unlink")).startswith("You have only one channel")
    before = await snapshot(runtime)
    [last] = [a.id for a in accounts]
    assert await pressed(mai, f"channel:unlink:{last}") == LAST
    assert await snapshot(runtime) == before


async def test_unlink_buttons_cannot_touch_another_persons_accounts(runtime: Runtime) -> None:
    mai = Speaker(runtime, 51, "Mai", "en")
    await mai.say("/help")
    await On(runtime, "telegram", 52, "Mai TG").text_of(f"/link {await code_of(mai)}")
    other = Speaker(runtime, 53, "Bình", "en")
    await other.say("/help")
    await On(runtime, "zalo_oa", 54, "Bình Zalo").text_of(f"/link {await code_of(other)}")
    async with runtime.sessions() as session:
        theirs = (
            await session.scalars(select(Identity.id).where(Identity.user_id.in_(["53", "54"])))
        ).all()
    before = await snapshot(runtime)
    for account in (*theirs, 0, 999_999_999):
        assert await pressed(mai, f"channel:unlink:{account}") == NOT_YOURS
    for forged in ("", "abc", "-1", "1.5", "9" * 40, "2147483648", "１", "1:2", "\x00"):
        assert await pressed(mai, f"channel:unlink:{forged}") == NOT_VALID
    huge = "/unlink " + "Ư" * 20_000 + "\x1b[31m"
    assert (await mai.say(huge)).replies[0].text.startswith("Which channel")
    assert await mai.text_of("/unlink") != NOT_YOURS
    assert await snapshot(runtime) == before


async def person_of_test(runtime: Runtime, user_id: int) -> Person:
    async with runtime.sessions() as session:
        identity = await session.scalar(
            select(Identity).where(Identity.channel == "test", Identity.user_id == str(user_id))
        )
        assert identity is not None
        return await session.get_one(Person, identity.person_id)


async def pressed(who: Speaker, data: str) -> str:
    """Press a button; return the one answer's text."""
    [reply] = (await who.press(data)).replies
    return reply.text


async def test_a_notice_for_an_account_unlinked_meanwhile_is_cancelled(runtime: Runtime) -> None:
    mai = Speaker(runtime, 61, "Mai", "en")
    await mai.say("/help")
    telegram = On(runtime, "telegram", 62, "Mai TG")
    await telegram.text_of(f"/link {await code_of(mai)}")
    await sweep(runtime)  # Mai's own chat hears of Telegram
    # A third account joins with a code from Telegram: both earlier chats are to be told.
    zalo = On(runtime, "zalo_oa", 63, "Mai Zalo")
    await zalo.text_of(f"/link {await code_of(telegram)}")
    waiting = [r for r in await _account_notices(runtime) if r.status is OutboxStatus.PENDING]
    assert sorted((r.channel, r.chat_id) for r in waiting) == [("telegram", "62"), ("test", "61")]
    async with runtime.sessions() as session:
        tg = await session.scalar(select(Identity.id).where(Identity.channel == "telegram"))
    assert await pressed(mai, f"channel:unlink:{tg}") == (
        "Telegram is no longer linked to your account. Send /channel to see the ones left."
    )
    to_test, to_telegram = RecordingSender(), RecordingSender()
    sweeper = Sweeper(
        runtime.sessions,
        runtime.clock,
        {"test": to_test, "telegram": to_telegram},
        runtime.settings.tz,
        worker="w",
    )
    await sweeper.sweep()
    assert [r.text for r in to_test.to(mai)] == [
        "🔐 Your account was linked to a new channel: Zalo OA. If this wasn't you, send "
        "/unlink here to remove that channel, and tell your commune's administrator.",
        UNLINKED_TELEGRAM,
    ]
    assert to_telegram.sent == []
    statuses = {(r.channel, r.status) for r in await _account_notices(runtime)}
    assert ("telegram", OutboxStatus.CANCELLED) in statuses


async def test_the_security_notice_does_not_wait_for_working_hours(
    runtime: Runtime, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 3, 7, 23, 30, tzinfo=VN))  # a Saturday night
    mai = Speaker(runtime, 71, "Mai", "en")
    await mai.say("/help")
    await On(runtime, "telegram", 72, "Ai đó").text_of(f"/link {await code_of(mai)}")
    person = await person_of_test(runtime, 71)
    async with runtime.sessions.begin() as session:
        session.add(
            OutboxMessage(
                dedupe_key="other",
                person_id=person.id,
                channel="test",
                chat_id="71",
                kind="notice",
                params=ZaloReconnect().params(),
                due_at=clock.now(),
            )
        )
    [notice] = (await sweep(runtime)).to(mai)
    assert notice.text.startswith("🔐 Your account was linked to a new channel: Telegram.")
    # Anything else, even of no organization, waits for the working morning.
    assert (await sweep(runtime, datetime(2026, 3, 8, 23, 59, tzinfo=VN))).sent == []
    [later] = (await sweep(runtime, datetime(2026, 3, 9, 8, 0, tzinfo=VN))).to(mai)
    assert "⚠️ Zalo refused the bot's token" in later.text


async def test_each_account_left_is_told_of_an_unlink_and_the_removed_one_is_not(
    runtime: Runtime, clock: ManualClock
) -> None:
    # Someone holding Mai's Telegram account removes her own chat at night; her Zalo hears.
    clock.set(datetime(2026, 3, 7, 23, 30, tzinfo=VN))  # a Saturday night
    mai = Speaker(runtime, 81, "Mai", "en")
    await mai.say("/help")
    telegram = On(runtime, "telegram", 82, "Ai đó", "en")
    await telegram.text_of(f"/link {await code_of(mai)}")
    zalo = On(runtime, "zalo_oa", 83, "Mai Zalo", "")
    await zalo.text_of(f"/link {await code_of(mai)}")
    await sweep(runtime)
    async with runtime.sessions() as session:
        own = await session.scalar(select(Identity.id).where(Identity.user_id == "81"))
    assert await pressed(telegram, f"channel:unlink:{own}") == (
        "test is no longer linked to your account. Send /channel to see the ones left."
    )
    rows = [r for r in await _account_notices(runtime) if r.params["notice"] == "account_unlinked"]
    assert sorted((r.channel, r.chat_id) for r in rows) == [("telegram", "82"), ("zalo_oa", "83")]
    to_test, to_telegram, to_zalo = RecordingSender(), RecordingSender(), RecordingSender()
    sweeper = Sweeper(
        runtime.sessions,
        runtime.clock,
        {"test": to_test, "telegram": to_telegram, "zalo_oa": to_zalo},
        runtime.settings.tz,
        worker="w",
    )
    await sweeper.sweep()
    assert to_test.sent == []
    [on_telegram] = [r.text for _, r in to_telegram.sent if "removed" in r.text]
    assert on_telegram == UNLINKED_TELEGRAM.replace("Telegram", "test")
    # Zalo reports no language and Mai chose none: she reads it in Vietnamese there.
    [(_, on_zalo)] = to_zalo.sent
    assert on_zalo.text == AccountUnlinked(channel="test").render(Translator("vi"))
    assert on_zalo.text.startswith("🔐 Một kênh vừa bị gỡ khỏi tài khoản của bạn")
    # The same button again changes nothing and tells nobody twice.
    assert await pressed(telegram, f"channel:unlink:{own}") == NOT_YOURS
    again = [r for r in await _account_notices(runtime) if r.params["notice"] == "account_unlinked"]
    assert len(again) == len(rows)
