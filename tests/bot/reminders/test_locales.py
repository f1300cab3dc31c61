"""What the outbox writes in: the chosen language, else the chat client's."""

from __future__ import annotations

from bot.clock import ManualClock
from bot.reminders import locales
from bot.runtime import Runtime
from db.queries import people


async def test_outbox_language_follows_choice_then_client(
    runtime: Runtime, clock: ManualClock
) -> None:
    async with runtime.sessions.begin() as session:
        english, _ = await people.person_for_identity(
            session,
            channel="test",
            user_id=str(1),
            chat_id=str(1),
            display_name="Lan",
            username=None,
            language_code="en-US",
            now=clock.now(),
        )
        silent, _ = await people.person_for_identity(
            session,
            channel="test",
            user_id=str(2),
            chat_id=str(2),
            display_name="Minh",
            username=None,
            now=clock.now(),
        )
        assert await locales.person_locale(session, english.id) == "en"
        assert await locales.person_locale(session, silent.id) is None
        both = {english.id, silent.id}
        assert await locales.person_locales(session, both) == {english.id: "en", silent.id: None}
        english.locale = "vi"
        assert await locales.person_locale(session, english.id) == "vi"
        assert (await locales.person_locales(session, both))[english.id] == "vi"
        assert await locales.person_locales(session, set()) == {}
