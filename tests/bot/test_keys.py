"""A lost or wrong key stops the bot with one line; `key rotate` re-seals everything."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import delete, select

from bot.clock import ManualClock
from bot.crypto import Sealer, SealError
from bot.feedback.views import unseal_contact
from bot.keys import KeyMissing, WrongKey
from bot.runtime import open_runtime
from bot.settings import Settings
from db.models import Case, CaseKind, Dialog, KeyCheck, Person
from db.queries import audit
from tests.conftest import REPO_ROOT
from tests.conftest import Person as Chat
from tests.handlers.feedback_support import HOME, file_case, start_case

NAME = "Nguyễn Văn Tố"
PHONE = "0912 345 678"


@pytest.fixture
def keyed(database_url: str, tmp_path: Path) -> Settings:
    """Settings that keep both keys in files, as a deployment does by default."""
    return Settings(
        database_url=database_url,
        org_name="UBND phường Thử Nghiệm",
        data_key_file=str(tmp_path / "keys" / "secret.key"),
        audit_key_file=str(tmp_path / "keys" / "audit.key"),
        audit_checkpoint_dir=str(tmp_path / "checkpoints"),
    )


async def _denounce(settings: Settings, clock: ManualClock) -> str:
    async with open_runtime(settings, clock) as runtime:
        who = Chat(runtime, 4242, "Tố", "en")
        return await file_case(
            who,
            CaseKind.DENUNCIATION,
            "conduct",
            "Bribes at the land office.",
            address="Thôn 3",
            name=NAME,
            phone=PHONE,
        )


async def _contact(settings: Settings, clock: ManualClock, code: str) -> dict[str, str]:
    async with open_runtime(settings, clock) as runtime, runtime.sessions() as session:
        sealed = await session.scalar(select(Case.contact_sealed).where(Case.code == code))
        assert sealed is not None
        return unseal_contact(runtime.keys.sealer.open(sealed))


def _read(path: str | Path) -> str:
    return Path(path).read_text()


def _write(path: str | Path, text: str) -> None:
    Path(path).write_text(text)


def _exists(path: str | Path) -> bool:
    return Path(path).exists()


def _unlink(path: str | Path) -> None:
    Path(path).unlink()


def _mode(path: str | Path) -> int:
    return Path(path).stat().st_mode & 0o777


def _env(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "DATABASE_URL": settings.database_url}
    env["BOT_DATA_KEY_FILE"] = settings.data_key_file
    env["BOT_AUDIT_KEY_FILE"] = settings.audit_key_file
    env["BOT_AUDIT_CHECKPOINT_DIR"] = settings.audit_checkpoint_dir
    for name in ("TELEGRAM_BOT_TOKEN", "BOT_DATA_KEY", "BOT_AUDIT_KEY"):
        env.pop(name, None)
    return env


def _cli(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_keys_are_created_private_on_a_new_database(
    keyed: Settings, clock: ManualClock
) -> None:
    async with open_runtime(keyed, clock):
        pass
    for path in (Path(keyed.data_key_file), Path(keyed.audit_key_file)):
        assert _mode(path) == 0o600
        assert _mode(path.parent) == 0o700
    first = _read(keyed.data_key_file)
    async with open_runtime(keyed, clock):
        pass
    assert _read(keyed.data_key_file) == first


async def test_a_lost_data_key_stops_the_bot_and_makes_no_new_one(
    keyed: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    code = await _denounce(keyed, clock)
    key_file = Path(keyed.data_key_file)
    kept = _read(key_file)
    _unlink(key_file)
    with pytest.raises(KeyMissing) as caught:
        async with open_runtime(keyed, clock):
            pass
    message = str(caught.value)
    assert "BOT_DATA_KEY" in message
    assert str(key_file) in message
    assert "backup" in message
    assert not _exists(key_file)

    # The operator sees one line, not a traceback, and the exit status says it failed.
    result = _cli(keyed, tmp_path, "audit", "verify")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("cannot start: BOT_DATA_KEY / BOT_DATA_KEY_FILE: no key")
    assert not _exists(key_file)

    _write(key_file, kept)
    assert await _contact(keyed, clock, code) == {"name": NAME, "home": HOME, "phone": PHONE}


@pytest.mark.parametrize(
    "bad",
    [
        Fernet.generate_key().decode(),  # a valid key, but another one
        "not a key at all",
        "",
        "\x00\x01" * 30,
    ],
)
async def test_a_wrong_data_key_stops_the_bot(
    keyed: Settings, clock: ManualClock, bad: str
) -> None:
    await _denounce(keyed, clock)
    _write(keyed.data_key_file, bad)
    with pytest.raises((WrongKey, KeyMissing)) as caught:
        async with open_runtime(keyed, clock):
            pass
    assert "BOT_DATA_KEY" in str(caught.value)
    assert "\n" not in str(caught.value)
    with pytest.raises((WrongKey, KeyMissing)):
        async with open_runtime(replace(keyed, data_key=Fernet.generate_key().decode()), clock):
            pass


async def test_a_database_sealed_before_check_values_still_refuses_a_wrong_key(
    keyed: Settings, clock: ManualClock
) -> None:
    code = await _denounce(keyed, clock)
    async with open_runtime(keyed, clock) as runtime, runtime.sessions.begin() as session:
        await session.execute(delete(KeyCheck))
    right = _read(keyed.data_key_file)
    _write(keyed.data_key_file, Fernet.generate_key().decode())
    with pytest.raises(WrongKey):
        async with open_runtime(keyed, clock):
            pass
    _write(keyed.data_key_file, right)
    assert await _contact(keyed, clock, code) == {"name": NAME, "home": HOME, "phone": PHONE}


async def test_a_lost_audit_key_stops_the_bot(
    keyed: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    await _denounce(keyed, clock)
    _unlink(keyed.audit_key_file)
    with pytest.raises(KeyMissing) as caught:
        async with open_runtime(keyed, clock):
            pass
    assert "BOT_AUDIT_KEY" in str(caught.value)
    _write(keyed.audit_key_file, "x" * 43)
    with pytest.raises(WrongKey):
        async with open_runtime(keyed, clock):
            pass


async def test_key_rotate_reseals_everything_in_one_go(
    keyed: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    code = await _denounce(keyed, clock)
    # Another denouncer is half-way through the dialog, with name and contact sealed.
    async with open_runtime(keyed, clock) as runtime:
        other = Chat(runtime, 4343, "Hà", "en")
        await start_case(other, CaseKind.DENUNCIATION, "conduct", "Fees taken without receipt.")
        await other.press("fb:next:files")
        await other.say("Thôn 5")
        await other.say("Lê Thị Hà")
        await other.say("Số 9, thôn 5")
        await other.say("0987 111 222")
    old_key = _read(keyed.data_key_file).strip()

    result = _cli(keyed, tmp_path, "key", "rotate")
    assert result.returncode == 0, result.stderr
    assert "re-sealed 1 contacts, 2 names and 1 open dialogs" in result.stdout
    new_key = _read(keyed.data_key_file).strip()
    assert new_key != old_key
    assert _mode(keyed.data_key_file) == 0o600
    assert not _exists(keyed.data_key_file + ".new")

    old, new = Sealer(old_key), Sealer(new_key)
    async with open_runtime(keyed, clock) as runtime:
        async with runtime.sessions() as session:
            sealed = [
                *(await session.scalars(select(Case.contact_sealed))),
                *(await session.scalars(select(Person.name_sealed))),
            ]
            dialog = await session.scalar(select(Dialog))
            assert dialog is not None
            sealed += [dialog.data["name"], dialog.data["home"], dialog.data["phone"]]
            count, broken = await audit.verify(session)
            assert broken is None
            assert count > 0
        for value in sealed:
            assert value is not None
            new.open(value)
            with pytest.raises(SealError):
                old.open(value)
        # The half-written denunciation is finished under the new key.
        other = Chat(runtime, 4343, "Hà", "en")
        await other.press("fb:consent:yes")
        sent = await other.press("fb:confirm:send")
        assert sent.replies[0].text.startswith("Thank you.")
    assert await _contact(keyed, clock, code) == {"name": NAME, "home": HOME, "phone": PHONE}
    # The old key no longer starts the bot.
    _write(keyed.data_key_file, old_key)
    with pytest.raises(WrongKey):
        async with open_runtime(keyed, clock):
            pass


async def test_key_rotate_changes_nothing_when_a_value_does_not_open(
    keyed: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    code = await _denounce(keyed, clock)
    async with open_runtime(keyed, clock) as runtime, runtime.sessions.begin() as session:
        foreign = Sealer(Fernet.generate_key().decode()).seal("someone else")
        session.add(Person(display_name="", name_sealed=foreign, created_at=clock.now()))
    before = _read(keyed.data_key_file)
    result = _cli(keyed, tmp_path, "key", "rotate")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: a sealed value does not open with the current key; nothing was changed"
    )
    assert _read(keyed.data_key_file) == before
    assert not _exists(keyed.data_key_file + ".new")
    assert await _contact(keyed, clock, code) == {"name": NAME, "home": HOME, "phone": PHONE}
