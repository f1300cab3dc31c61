"""What a person reads: the language they chose, else the account's client's, else the default."""

from __future__ import annotations

from bot.clock import ManualClock
from bot.i18n import reader_locale
from bot.reminders import locales
from bot.runtime import Runtime
from db.queries import people, reach


def test_the_chosen_language_wins_then_the_account_then_the_default() -> None:
    assert reader_locale("vi", "en-US", "en") == "vi"
    assert reader_locale(None, "en-US", "vi") == "en"
    assert reader_locale(None, None, "vi") == "vi"
    assert reader_locale(None, "fr", "vi") == "vi"
    assert reader_locale("xx", "en", "vi") == "en"  # a stored value no catalog has is ignored
    assert reader_locale(None, None) == "vi"


def test_a_route_is_worded_for_its_own_account() -> None:
    telegram = reach.Route("telegram", "1", "en")
    zalo = reach.Route("zalo_oa", "2")
    assert locales.route_locale(None, telegram, "vi") == "en"
    assert locales.route_locale(None, zalo, "vi") == "vi"
    assert locales.route_locale("en", zalo, "vi") == "en"
    assert locales.route_locale(None, None, "vi") == "vi"


async def test_only_the_chosen_language_is_read_for_a_person(
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
        assert await locales.chosen_locale(session, english.id) is None
        english.locale = "vi"
        assert await locales.chosen_locale(session, english.id) == "vi"
        assert await locales.chosen_locales(session, {english.id}) == {english.id: "vi"}
        assert await locales.chosen_locales(session, set()) == {}
        chosen, reported = await people.languages_of_account(session, channel="test", user_id="1")
        assert (chosen, reported) == ("vi", "en-US")
        assert await people.languages_of_account(session, channel="test", user_id="9") == (
            None,
            None,
        )
