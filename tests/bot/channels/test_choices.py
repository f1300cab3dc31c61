"""Numbered choices: shown as lines, answered by number or label, kept in the database."""

from __future__ import annotations

from datetime import timedelta

from bot.channels import choices
from bot.clock import ManualClock
from bot.messages import Button, Reply
from bot.runtime import open_runtime
from bot.settings import Settings

REPLIES = [
    Reply("Bạn muốn gửi gì?", [[Button("Góp ý", "fb:kind:gy"), Button("Khiếu nại", "fb:kind:kn")]]),
    Reply("Hoặc:", [[Button("Hướng dẫn", url="https://example.vn/hd")], [Button("Hủy", "fb:x")]]),
]


def test_buttons_become_numbered_lines_in_order() -> None:
    numbered = choices.number_replies(REPLIES)
    assert numbered.texts == [
        "Bạn muốn gửi gì?\n1. Góp ý\n2. Khiếu nại",
        "Hoặc:\n🔗 Hướng dẫn: https://example.vn/hd\n3. Hủy",
    ]
    assert numbered.items == [("Góp ý", "fb:kind:gy"), ("Khiếu nại", "fb:kind:kn"), ("Hủy", "fb:x")]


async def test_numbers_and_labels_answer_after_a_restart(
    settings: Settings, clock: ManualClock
) -> None:
    items = choices.number_replies(REPLIES).items
    async with open_runtime(settings, clock) as first, first.sessions.begin() as session:
        await choices.remember(
            session, channel="zalo_oa", chat_id="42", items=items, now=clock.now()
        )
    async with open_runtime(settings, clock) as second, second.sessions() as session:

        async def answer(text: str, chat_id: str = "42") -> choices.Answer:
            return await choices.answer(
                session, channel="zalo_oa", chat_id=chat_id, text=text, now=clock.now()
            )

        assert (await answer("2")).payload == "fb:kind:kn"
        assert (await answer(" 1. ")).payload == "fb:kind:gy"
        assert (await answer("khiếu NẠI")).payload == "fb:kind:kn"
        assert (await answer("3. Hủy")).payload == "fb:x"
        assert (await answer("4")) == choices.Answer(bad_number=True)
        assert (await answer("0")) == choices.Answer(bad_number=True)
        assert (await answer("0912345678")) == choices.Answer()  # a phone number is text
        assert (await answer("²")) == choices.Answer()
        assert (await answer("Góp ý về đường")) == choices.Answer()
        assert (await answer("1", chat_id="43")) == choices.Answer()  # another chat's numbers
        clock.advance(choices.CHOICES_VALID + timedelta(seconds=1))
        assert (await answer("1")) == choices.Answer()


async def test_a_message_without_choices_forgets_the_old_numbers(
    settings: Settings, clock: ManualClock
) -> None:
    items = choices.number_replies(REPLIES).items
    async with open_runtime(settings, clock) as runtime:
        async with runtime.sessions.begin() as session:
            await choices.remember(
                session, channel="console", chat_id="7", items=items, now=clock.now()
            )
            await choices.remember(
                session, channel="console", chat_id="7", items=[], now=clock.now()
            )
        async with runtime.sessions() as session:
            found = await choices.answer(
                session, channel="console", chat_id="7", text="1", now=clock.now()
            )
    assert found == choices.Answer()
