"""The real command line, run as a separate process the way an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.bot.plans import crafted
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
    assert "\n1. công chức\n" in out
    assert "\n1. Văn phòng - Thống kê" in out
    assert "Mã mời cho công chức mới — Văn phòng - Thống kê:" in out
    assert "Bạn không có quyền dùng lệnh này." in out
    assert "Language set to English." in out
    assert "Role: citizen." in out
    assert "Traceback" not in chat.stderr


def test_invite_for_an_unknown_unit_is_refused(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "BOT_DEFAULT_LOCALE": "en"}
    result = _run(["invite", "--role", "official", "--unit", "Không có"], tmp_path, env)
    assert result.returncode == 2
    assert "There is no unit called “Không có”." in result.stderr
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


def test_import_plan_refuses_crafted_files_in_a_bounded_child(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url, "BOT_DEFAULT_LOCALE": "en"}
    files = {
        "far.xlsx": (crafted.xlsx_far_cell(), "columns"),
        "span.docx": (crafted.docx_huge_span(), "spans 16,000,000 columns"),
        "bomb.docx": (crafted.zip_bomb_part(), "unpacks to 60 MB"),
        "one-line.csv": (crafted.csv_one_line(), "characters long"),
        "old.docx": (crafted.old_doc(), "old .doc format"),
    }
    for name, (content, words) in files.items():
        path = crafted.save(tmp_path / name, content)
        result = _run(["import-plan", str(path)], tmp_path, env)
        assert result.returncode != 0, name
        assert name in result.stderr
        assert words in result.stderr
        assert "Traceback" not in result.stderr
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as fh:
        fh.truncate(1 << 40)  # sparse: claims a terabyte, costs nothing
    result = _run(["import-plan", str(huge)], tmp_path, env)
    assert result.returncode != 0
    assert "huge.csv is too large" in result.stderr


def test_an_alias_another_unit_has_is_a_clear_error_with_exit_code_2(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url, "BOT_DEFAULT_LOCALE": "en"}
    assert _run(["units", "add", "Văn phòng - Thống kê", "--alias", "VP"], tmp_path, env)
    clash = _run(["units", "add", "Văn phòng Đảng ủy", "--alias", "VP"], tmp_path, env)
    assert clash.returncode == 2
    assert "Traceback" not in clash.stderr
    assert clash.stderr.strip() == (
        "error: “VP” is already a name of the unit “Văn phòng - Thống kê”. Nothing was "
        "changed; leave that alias out, or merge the two units."
    )
    assert "Văn phòng Đảng ủy" not in _run(["units", "list"], tmp_path, env).stdout


def test_units_are_found_loosely_renamed_merged_and_deleted(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url, "BOT_DEFAULT_LOCALE": "en"}
    assert _run(["units", "add", "Văn phòng - Thống kê"], tmp_path, env).returncode == 0
    invite = _run(
        ["invite", "--role", "official", "--unit", "Công chức Văn phòng - Thống kê"], tmp_path, env
    )
    assert invite.returncode == 0, invite.stderr
    assert _run(["units", "add", "VP UBND"], tmp_path, env).returncode == 0
    merged = _run(["units", "merge", "VP UBND", "CC VP-TK"], tmp_path, env)
    assert merged.returncode == 0, merged.stderr
    assert "merged VP UBND into Văn phòng - Thống kê" in merged.stdout
    renamed = _run(["units", "rename", "VP-TK", "Văn phòng – Thống kê xã"], tmp_path, env)
    assert renamed.returncode == 0, renamed.stderr
    listed = _run(["units", "list"], tmp_path, env).stdout.strip().splitlines()
    assert len(listed) == 1
    assert listed[0].split("\t")[1:] == [
        "Văn phòng – Thống kê xã",
        "VP UBND, Văn phòng - Thống kê",
    ]
    in_use = _run(["units", "delete", "Văn phòng - Thống kê"], tmp_path, env)
    assert in_use.returncode == 2
    assert "Merge it into another unit instead" in in_use.stderr
    assert _run(["units", "add", "Quân sự"], tmp_path, env).returncode == 0
    assert _run(["units", "delete", "quan su"], tmp_path, env).returncode == 0
    missing = _run(["units", "delete", "quan su"], tmp_path, env)
    assert (missing.returncode, missing.stderr.strip()) == (
        2,
        "error: There is no unit called “quan su”.",
    )


def test_the_console_chat_logs_to_a_file_not_between_its_lines(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url, "BOT_LOG_LEVEL": "DEBUG"}
    chat = _run(["chat"], tmp_path, env, stdin="/start\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert chat.stderr.strip() == "(log: data/bot.log)"
    assert " INFO " not in chat.stdout
    assert " DEBUG " not in chat.stdout
    log = (tmp_path / "data" / "bot.log").read_text(encoding="utf-8")
    assert "INFO bot: ready: console chat" in log


def test_the_cli_shows_local_times(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "BOT_TIMEZONE": "Asia/Ho_Chi_Minh"}
    invite = _run(["invite", "--role", "leader", "--ttl-days", "1"], tmp_path, env)
    assert invite.returncode == 0, invite.stderr
    first = invite.stdout.splitlines()[0]
    assert first.endswith("(Asia/Ho_Chi_Minh).")
    assert "UTC" not in invite.stdout


def test_console_numbers_survive_a_wrong_number_and_a_restart(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url}
    first = _run(["chat"], tmp_path, env, stdin="/lang\n9\n/quit\n")
    assert first.returncode == 0, first.stderr
    assert "Không có nút nào mang số này." in first.stdout
    second = _run(["chat"], tmp_path, env, stdin="2\n/quit\n")
    assert second.returncode == 0, second.stderr
    assert "Language set to English." in second.stdout
