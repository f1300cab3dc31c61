"""The real command line, run as a separate process the way an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def _run(
    args: list[str], cwd: Path, env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **env}
    full_env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = _run(["--help"], tmp_path, {})
    assert result.returncode == 0
    for command in ("run", "chat", "invite", "db", "audit", "units", "i18n"):
        assert command in result.stdout


def test_bad_setting_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    result = _run(["db", "current"], tmp_path, {"BOT_TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "BOT_TIMEZONE" in lines[0]


def test_setting_from_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_INVITE_TTL_DAYS=abc\n")
    result = _run(["db", "current"], tmp_path, {})
    assert result.returncode == 2
    assert "BOT_INVITE_TTL_DAYS" in result.stderr


def test_console_chat_redeems_an_invite_and_shows_admin_help(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url}
    added = _run(["units", "add", "Văn phòng - Thống kê", "--alias", "VP-TK"], tmp_path, env)
    assert added.returncode == 0, added.stderr
    invite = _run(["invite", "--role", "admin"], tmp_path, env)
    assert invite.returncode == 0, invite.stderr
    code = invite.stdout.strip().splitlines()[-1]
    assert len(code) == 16

    script = "\n".join(
        [
            "/help",
            f"/start {code}",
            "/help",
            "/invite",
            "1",
            "1",
            "/as Lan",
            "/invite leader",
            "/lang",
            "2",
            "/whoami",
            "/quit",
        ]
    )
    chat = _run(["chat"], tmp_path, env, stdin=script + "\n")
    assert chat.returncode == 0, chat.stderr
    out = chat.stdout
    assert "Chào mừng! Bạn đã trở thành quản trị viên." in out
    assert "/invite — Mời người tham gia" in out
    assert "[1] công chức" in out
    assert "[1] Văn phòng - Thống kê" in out
    assert "Mã mời cho công chức mới — Văn phòng - Thống kê:" in out
    assert "Bạn không có quyền dùng lệnh này." in out
    assert "Language set to English." in out
    assert "Role: citizen." in out
    assert "Traceback" not in chat.stderr


def test_invite_for_an_unknown_unit_is_refused(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    result = _run(["invite", "--role", "official", "--unit", "Không có"], tmp_path, env)
    assert result.returncode == 2
    assert "no unit called" in result.stderr
    missing = _run(["invite", "--role", "official"], tmp_path, env)
    assert missing.returncode == 2
    assert "--unit is required" in missing.stderr


def test_audit_verify_reports_a_sound_chain(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    assert _run(["units", "add", "Tư pháp - Hộ tịch"], tmp_path, env).returncode == 0
    assert _run(["invite", "--role", "leader"], tmp_path, env).returncode == 0
    result = _run(["audit", "verify"], tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert "audit chain ok: 2 entries" in result.stdout


def test_units_and_orgs_are_listed(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    assert _run(["units", "add", "Địa chính - Xây dựng", "--alias", "ĐC-XD"], tmp_path, env)
    listed = _run(["units", "list"], tmp_path, env)
    assert "Địa chính - Xây dựng\tĐC-XD" in listed.stdout
    assert _run(["org", "add", "Huyện Mẫu", "--level", "district"], tmp_path, env).returncode == 0
    orgs = _run(["org", "list"], tmp_path, env)
    assert "district\tHuyện Mẫu" in orgs.stdout


def test_invite_lifetime_outside_one_to_365_days_is_refused(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url}
    for days in ("0", "-1", "366", "7.5", "abc", "²"):
        result = _run(["invite", "--role", "admin", "--ttl-days", days], tmp_path, env)
        assert result.returncode == 2, days
        assert "from 1 to 365" in result.stderr, days
        assert "code" not in result.stdout.lower(), days
    ok = _run(["invite", "--role", "admin", "--ttl-days", "1"], tmp_path, env)
    assert ok.returncode == 0, ok.stderr
