"""The commune's name: set from the command line and in chat, used by greetings and reports."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from bot.runtime import Runtime
from db.models import AuditEntry, Role
from tests.bot.test_cli import _run
from tests.conftest import Person
from tests.handlers.test_common import member, snapshot


def test_org_rename_changes_what_reports_say(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "BOT_DEFAULT_LOCALE": "en"}
    before = json.loads(_run(["report", "--period", "2026"], tmp_path, env).stdout)
    assert before["organization"]["name"] == "UBND xã"
    renamed = _run(["org", "rename", "UBND  xã Hòa An "], tmp_path, env)
    assert renamed.returncode == 0, renamed.stderr
    assert renamed.stdout.strip().endswith("UBND xã -> UBND xã Hòa An")
    after = json.loads(_run(["report", "--period", "2026"], tmp_path, env).stdout)
    assert after["organization"]["name"] == "UBND xã Hòa An"
    assert "UBND xã\t" not in _run(["org", "list"], tmp_path, env).stdout
    bad = _run(["org", "rename", "   "], tmp_path, env)
    assert bad.returncode == 2
    assert "Please send the commune's name as text" in bad.stderr


async def test_orgname_in_chat_and_the_greeting(runtime: Runtime) -> None:
    admin = await member(runtime, Role.ADMIN, user_id=9001, name="Thu", language="vi")
    assert await admin.text_of("/orgname") == (
        f"Xã hiện có tên “{runtime.settings.org_name}”. Để đổi tên, hãy viết: /orgname tên mới"
    )
    assert await admin.text_of("/orgname UBND xã Hòa An") == "Đã đổi tên xã thành “UBND xã Hòa An”."
    citizen = Person(runtime, 2002, "Lan", "en")
    assert "I am the assistant of UBND xã Hòa An." in await citizen.text_of("/start")
    async with runtime.sessions() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "organization.renamed")
        )
    assert entry is not None
    assert (entry.before, entry.after) == (
        {"name": runtime.settings.org_name},
        {"name": "UBND xã Hòa An"},
    )
    before = await snapshot(runtime)
    for bad in ("/orgname " + "x" * 300, "/orgname !!!", "/orgname \u0000\u0007"):
        assert "Vui lòng gửi tên xã" in await admin.text_of(bad), bad
    assert await citizen.text_of("/orgname Xã khác") == "You are not allowed to use this command."
    assert await snapshot(runtime) == before


def test_a_name_set_after_the_first_start_replaces_the_default(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url}
    assert "\tUBND xã\t" in _run(["org", "list"], tmp_path, env).stdout
    named = {**env, "BOT_ORG_NAME": "UBND xã Hòa An"}
    assert "\tUBND xã Hòa An\t" in _run(["org", "list"], tmp_path, named).stdout
    # A name given by an admin is never overwritten by the setting.
    assert _run(["org", "rename", "UBND xã Hòa An Đông"], tmp_path, named).returncode == 0
    assert "\tUBND xã Hòa An Đông\t" in _run(["org", "list"], tmp_path, named).stdout
