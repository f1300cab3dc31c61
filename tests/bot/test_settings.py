"""Settings: defaults, ``.env`` files, the environment, and one clear error per bad value."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.settings import (
    DEFAULT_API_BASE_URL,
    DEFAULT_DATABASE_URL,
    Settings,
    SettingsError,
    load_settings,
)


def test_defaults(chdir_tmp: Path) -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.telegram_token is None
    assert settings.telegram_mode == "polling"
    assert settings.telegram_api_base_url == DEFAULT_API_BASE_URL
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.default_locale == "vi"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.tz == ZoneInfo("Asia/Ho_Chi_Minh")
    assert settings.invite_ttl_days == 7
    assert settings.dialog_ttl_minutes == 60
    assert settings.http_host == "127.0.0.1"
    assert settings.http_port == 8080
    assert settings.zalo_oa_api_base_url == "https://openapi.zalo.me"
    assert settings.zalo_oauth_base_url == "https://oauth.zaloapp.com"
    assert settings.zalo_transaction_path == "/v3.0/oa/message/transaction"
    assert settings.zalo_transaction_template == "transaction_event"
    assert not settings.zalo_configured
    assert settings.log_level == "INFO"
    assert settings.inbox_workers == 1
    assert not settings.inbox_channels


def test_every_setting_is_read() -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "123456:ABC-def_GHI",
            "TELEGRAM_BOT_USERNAME": "@XaBot",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.vn/hook",
            "BOT_HTTP_HOST": "0.0.0.0",
            "BOT_HTTP_PORT": " 8081 ",
            "BOT_PUBLIC_URL": "https://bot.example.vn/",
            "ZALO_APP_ID": "1234567890",
            "ZALO_APP_SECRET": "app-secret",
            "ZALO_OA_SECRET_KEY": "oa-secret",
            "ZALO_OA_API_BASE_URL": "http://127.0.0.1:9000",
            "ZALO_OAUTH_BASE_URL": "http://127.0.0.1:9001",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "DATABASE_URL": "postgresql://bot@db/bot",
            "BOT_TIMEZONE": "UTC",
            "BOT_DEFAULT_LOCALE": "en",
            "BOT_ORG_NAME": "UBND xã Tân Lập",
            "BOT_INVITE_TTL_DAYS": "3",
            "BOT_DIALOG_TTL_MINUTES": "15",
            "BOT_LOG_LEVEL": "debug",
            "BOT_ZALO_OA_URL": "https://zalo.me/1234567890",
            "ZALO_TRANSACTION_PATH": "/v3.0/oa/message/transaction_v2",
            "ZALO_TRANSACTION_TEMPLATE": "transaction_account",
        },
        env_file=None,
    )
    assert settings.zalo_oa_url == "https://zalo.me/1234567890"
    assert settings.zalo_transaction_path == "/v3.0/oa/message/transaction_v2"
    assert settings.zalo_transaction_template == "transaction_account"
    assert settings.telegram_token == "123456:ABC-def_GHI"
    assert settings.telegram_bot_username == "XaBot"
    assert settings.telegram_mode == "webhook"
    assert settings.webhook_url == "https://bot.example.vn/hook"
    assert settings.telegram_webhook_url == "https://bot.example.vn/hook"
    assert settings.http_host == "0.0.0.0"
    assert settings.http_port == 8081
    assert settings.public_url == "https://bot.example.vn"
    assert settings.zalo_configured
    assert settings.zalo_oa_api_base_url == "http://127.0.0.1:9000"
    assert settings.zalo_oauth_base_url == "http://127.0.0.1:9001"
    assert settings.webhook_secret == SECRET
    assert settings.database_url == "postgresql+asyncpg://bot@db/bot"
    assert settings.timezone == "UTC"
    assert settings.default_locale == "en"
    assert settings.org_name == "UBND xã Tân Lập"
    assert settings.invite_ttl_days == 3
    assert settings.dialog_ttl_minutes == 15
    assert settings.log_level == "DEBUG"
    assert settings.file_base_url == "http://127.0.0.1:8081/file/bot"


def test_file_base_url() -> None:
    assert Settings().file_base_url == "https://api.telegram.org/file/bot"
    explicit = load_settings(
        {"TELEGRAM_FILE_BASE_URL": "https://files.example.vn/f"}, env_file=None
    )
    assert explicit.file_base_url == "https://files.example.vn/f"


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("sqlite:///data/x.sqlite3", "sqlite+aiosqlite:///data/x.sqlite3"),
        ("sqlite+aiosqlite:////abs/x.sqlite3", "sqlite+aiosqlite:////abs/x.sqlite3"),
        ("postgresql://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
    ],
)
def test_database_urls_are_normalized(raw: str, url: str) -> None:
    assert load_settings({"DATABASE_URL": raw}, env_file=None).database_url == url


def test_dotenv_file_is_read(chdir_tmp: Path) -> None:
    (chdir_tmp / ".env").write_text(
        "# the commune's bot\n"
        "BOT_ORG_NAME='UBND phường Hòa Bình'\n"
        "BOT_INVITE_TTL_DAYS=14\n"
        "export BOT_DEFAULT_LOCALE=en\n"
        "DANGLING\n",
        encoding="utf-8",
    )
    settings = load_settings({})
    assert settings.org_name == "UBND phường Hòa Bình"
    assert settings.invite_ttl_days == 14
    assert settings.default_locale == "en"


def test_environment_overrides_dotenv(chdir_tmp: Path) -> None:
    (chdir_tmp / ".env").write_text("BOT_INVITE_TTL_DAYS=14\nBOT_LOG_LEVEL=ERROR\n")
    settings = load_settings({"BOT_INVITE_TTL_DAYS": "2"})
    assert settings.invite_ttl_days == 2
    assert settings.log_level == "ERROR"


def test_named_env_file_and_none(tmp_path: Path) -> None:
    env_file = tmp_path / "bot.env"
    env_file.write_text("BOT_DIALOG_TTL_MINUTES=5\n")
    assert load_settings({}, env_file=env_file).dialog_ttl_minutes == 5
    assert load_settings({}, env_file=tmp_path / "missing.env").dialog_ttl_minutes == 60
    assert load_settings({}, env_file=None).dialog_ttl_minutes == 60


def test_os_environment_is_the_default(chdir_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_ORG_NAME", "UBND xã Môi Trường")
    assert load_settings().org_name == "UBND xã Môi Trường"


def test_blank_values_mean_default() -> None:
    settings = load_settings({"BOT_INVITE_TTL_DAYS": "  ", "TELEGRAM_MODE": ""}, env_file=None)
    assert settings == Settings()


def test_bad_value_in_dotenv_is_named(chdir_tmp: Path) -> None:
    (chdir_tmp / ".env").write_text("BOT_DIALOG_TTL_MINUTES=forever\n")
    with pytest.raises(SettingsError) as caught:
        load_settings({})
    assert caught.value.name == "BOT_DIALOG_TTL_MINUTES"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_BOT_TOKEN", "abc:def"),
        ("TELEGRAM_BOT_TOKEN", "123456:"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org/bot"),
        ("TELEGRAM_FILE_BASE_URL", "ftp://files.example.vn"),
        ("TELEGRAM_MODE", "push"),
        ("TELEGRAM_MODE", "Polling"),
        ("TELEGRAM_WEBHOOK_URL", "bot.example.vn/hook"),
        ("BOT_HTTP_PORT", "http"),
        ("BOT_HTTP_PORT", "0"),
        ("BOT_HTTP_PORT", "65536"),
        ("BOT_HTTP_PORT", "80.5"),
        ("BOT_PUBLIC_URL", "bot.example.vn"),
        ("ZALO_OA_API_BASE_URL", "openapi.zalo.me"),
        ("DATABASE_URL", "mysql://bot@db/bot"),
        ("DATABASE_URL", "data/bot.sqlite3"),
        ("BOT_TIMEZONE", "Asia/Hanoi_City"),
        ("BOT_TIMEZONE", "Asia"),
        ("BOT_TIMEZONE", "../../etc/passwd"),
        ("BOT_TIMEZONE", "/etc/localtime"),
        ("BOT_DEFAULT_LOCALE", "fr"),
        ("BOT_DEFAULT_LOCALE", "VI"),
        ("BOT_INVITE_TTL_DAYS", "0"),
        ("BOT_INVITE_TTL_DAYS", "366"),
        ("BOT_INVITE_TTL_DAYS", "-1"),
        ("BOT_INVITE_TTL_DAYS", "seven"),
        ("BOT_DIALOG_TTL_MINUTES", "0"),
        ("BOT_DIALOG_TTL_MINUTES", str(60 * 24 * 30 + 1)),
        ("BOT_LOG_LEVEL", "verbose"),
        ("BOT_AUDIT_KEY", "short"),
        ("BOT_AUDIT_CHECKPOINT_MINUTES", "0"),
        ("BOT_AUDIT_CHECKPOINT_MINUTES", "hourly"),
        ("BOT_AUDIT_CHECKPOINT_MINUTES", str(24 * 60 + 1)),
        ("BOT_BACKUP_KEEP", "-1"),
        ("BOT_BACKUP_KEEP", "all"),
        ("BOT_BACKUP_KEEP", "1e3"),
        ("BOT_CONTACT_RETENTION_DAYS", "0"),
        ("BOT_CONTACT_RETENTION_DAYS", "-5"),
        ("BOT_CONTACT_RETENTION_DAYS", "９０"),
        ("BOT_CONTACT_RETENTION_DAYS", "1" * 400),
        ("BOT_PUBLIC_URL", "gopy.xa.gov.vn"),
        ("BOT_PUBLIC_URL", "javascript:alert(1)"),
        ("BOT_ZALO_OA_URL", "http://zalo.me/123"),
        ("BOT_ZALO_OA_URL", "javascript:alert(1)"),
        ("BOT_INBOX_WORKERS", "-1"),
        ("BOT_INBOX_WORKERS", "17"),
        ("BOT_INBOX_WORKERS", "two"),
        ("ZALO_TRANSACTION_PATH", "https://evil.example/v3.0/oa/message/transaction"),
        ("ZALO_TRANSACTION_PATH", "v3.0/oa/message/transaction"),
        ("ZALO_TRANSACTION_PATH", "/v3.0/../oauth"),
        ("ZALO_TRANSACTION_PATH", "/v3.0/oa/message/transaction?x=1"),
        ("ZALO_TRANSACTION_PATH", "/v3.0/oa\nmessage"),
        ("ZALO_TRANSACTION_TEMPLATE", "media"),
        ("ZALO_TRANSACTION_TEMPLATE", "transaction_unknown"),
        ("ZALO_TRANSACTION_TEMPLATE", "TRANSACTION_EVENT"),
    ],
)
def test_each_bad_value_names_its_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({name: value}, env_file=None)
    error = caught.value
    assert error.name == name
    assert error.problem
    message = str(error)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message
    assert "Traceback" not in message


SECRET = "kQ3v_9ZrT-1mWb7xYp2LcN8sHd4FgJ6u"  # 32 characters, as from secrets.token_urlsafe


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "s3cret",
        "x" * 31,
        "a" * 40,  # long but not random
        "ab" * 20,
        "kQ3v_9ZrT-1mWb7xYp2LcN8sHd4FgJ6u!",  # a character Telegram refuses
        "kQ3v 9ZrT-1mWb7xYp2LcN8sHd4FgJ6uAA",
        "kQ3v_9ZrT-1mWb7xYp2LcN8sHd4FgJ6\x0b",
        "kQ3v_9ZrT-1mWb7xYp2LcN8sHd4FgJ6uĐ",
        "k" + "Q3v_9ZrT-1mWb7xYp2LcN8sHd4FgJ6u" * 9,  # over Telegram's 256
    ],
)
def test_webhook_mode_refuses_to_start_without_a_long_random_secret(secret: str | None) -> None:
    environ = {"TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_URL": "https://bot.example.vn/hook"}
    if secret is not None:
        environ["TELEGRAM_WEBHOOK_SECRET"] = secret
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, env_file=None)
    assert caught.value.name == "TELEGRAM_WEBHOOK_SECRET"
    assert "\n" not in str(caught.value)


def test_webhook_mode_starts_with_a_long_random_secret() -> None:
    settings = load_settings(
        {
            "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.vn/hook",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        },
        env_file=None,
    )
    assert settings.webhook_secret == SECRET


def test_keys_checkpoints_backups_and_retention_are_read() -> None:
    settings = load_settings(
        {
            "BOT_AUDIT_KEY": SECRET,
            "BOT_AUDIT_KEY_FILE": "/srv/keys/audit.key",
            "BOT_AUDIT_CHECKPOINT_DIR": "/srv/anchors",
            "BOT_AUDIT_CHECKPOINT_MINUTES": "15",
            "BOT_BACKUP_DIR": "/mnt/usb/backups",
            "BOT_BACKUP_KEEP": "14",
            "BOT_CONTACT_RETENTION_DAYS": "365",
        },
        env_file=None,
    )
    assert (settings.audit_key, settings.audit_key_file) == (SECRET, "/srv/keys/audit.key")
    assert (settings.audit_checkpoint_dir, settings.audit_checkpoint_minutes) == (
        "/srv/anchors",
        15,
    )
    assert (settings.backup_dir, settings.backup_keep) == ("/mnt/usb/backups", 14)
    assert settings.contact_retention_days == 365


def test_polling_mode_needs_no_secret() -> None:
    assert load_settings({}, env_file=None).webhook_secret is None


def test_webhook_mode_needs_a_url() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"TELEGRAM_MODE": "webhook"}, env_file=None)
    assert caught.value.name == "TELEGRAM_WEBHOOK_URL"


@pytest.mark.parametrize(
    ("name", "attribute", "value"),
    [
        ("BOT_HTTP_PORT", "http_port", 1),
        ("BOT_HTTP_PORT", "http_port", 65535),
        ("BOT_INVITE_TTL_DAYS", "invite_ttl_days", 1),
        ("BOT_INVITE_TTL_DAYS", "invite_ttl_days", 365),
        ("BOT_DIALOG_TTL_MINUTES", "dialog_ttl_minutes", 1),
        ("BOT_DIALOG_TTL_MINUTES", "dialog_ttl_minutes", 60 * 24 * 30),
        ("BOT_INBOX_WORKERS", "inbox_workers", 0),
        ("BOT_INBOX_WORKERS", "inbox_workers", 16),
    ],
)
def test_limits_are_inclusive(name: str, attribute: str, value: int) -> None:
    settings = load_settings({name: str(value)}, env_file=None)
    assert getattr(settings, attribute) == value


ZALO_BOT_SECRET = "zb_" + "Ab3-9xYq" * 5


def test_the_zalo_bot_is_read_and_polls_unless_it_has_a_secret_and_a_public_url() -> None:
    assert Settings().zalo_bot_api_base_url == "https://bot-api.zaloplatforms.com"
    polling = load_settings({"ZALO_BOT_TOKEN": "1234567890:abc-DEF_ghi"}, env_file=None)
    assert polling.zalo_bot_token == "1234567890:abc-DEF_ghi"
    assert (polling.zalo_bot_mode, polling.networked) == ("polling", True)
    no_url = load_settings(
        {"ZALO_BOT_TOKEN": "1234567890:abc", "ZALO_BOT_WEBHOOK_SECRET": ZALO_BOT_SECRET},
        env_file=None,
    )
    assert (no_url.zalo_bot_webhook_secret, no_url.zalo_bot_mode) == (ZALO_BOT_SECRET, "polling")
    pushed = load_settings(
        {
            "ZALO_BOT_TOKEN": "1234567890:abc",
            "ZALO_BOT_WEBHOOK_SECRET": ZALO_BOT_SECRET,
            "ZALO_BOT_API_BASE_URL": "http://127.0.0.1:9999/",
            "BOT_PUBLIC_URL": "https://bot.example.vn",
        },
        env_file=None,
    )
    assert (pushed.zalo_bot_mode, pushed.zalo_bot_api_base_url) == (
        "webhook",
        "http://127.0.0.1:9999",
    )
    assert not load_settings({}, env_file=None).networked


@pytest.mark.parametrize(
    ("environ", "name"),
    [
        ({"ZALO_BOT_TOKEN": "short"}, "ZALO_BOT_TOKEN"),
        ({"ZALO_BOT_TOKEN": "123456:abc/../getMe"}, "ZALO_BOT_TOKEN"),
        ({"ZALO_BOT_TOKEN": "123456:abc def ghi"}, "ZALO_BOT_TOKEN"),
        ({"ZALO_BOT_TOKEN": "123456:abc?x=1#y"}, "ZALO_BOT_TOKEN"),
        ({"ZALO_BOT_TOKEN": "123456:mã-bí-mật"}, "ZALO_BOT_TOKEN"),
        ({"ZALO_BOT_TOKEN": "1:" + "a" * 300}, "ZALO_BOT_TOKEN"),
        ({"ZALO_BOT_API_BASE_URL": "bot-api.zaloplatforms.com"}, "ZALO_BOT_API_BASE_URL"),
        ({"ZALO_BOT_WEBHOOK_SECRET": ZALO_BOT_SECRET}, "ZALO_BOT_WEBHOOK_SECRET"),
        (
            {"ZALO_BOT_TOKEN": "1234567890:abc", "ZALO_BOT_WEBHOOK_SECRET": "short"},
            "ZALO_BOT_WEBHOOK_SECRET",
        ),
        (
            {"ZALO_BOT_TOKEN": "1234567890:abc", "ZALO_BOT_WEBHOOK_SECRET": "a" * 40},
            "ZALO_BOT_WEBHOOK_SECRET",
        ),
        (
            {"ZALO_BOT_TOKEN": "1234567890:abc", "ZALO_BOT_WEBHOOK_SECRET": "é" * 40},
            "ZALO_BOT_WEBHOOK_SECRET",
        ),
    ],
)
def test_bad_zalo_bot_settings_are_named(environ: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, env_file=None)
    assert caught.value.name == name


def test_only_channels_that_keep_events_in_the_inbox_need_its_workers() -> None:
    token = {"TELEGRAM_BOT_TOKEN": "123456:ABC-def_ghi"}
    assert not load_settings(token, env_file=None).inbox_channels  # polling
    hook = {
        **token,
        "TELEGRAM_MODE": "webhook",
        "BOT_PUBLIC_URL": "https://bot.example.vn",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    assert load_settings(hook, env_file=None).inbox_channels
    zalo = {"ZALO_APP_ID": "1", "ZALO_APP_SECRET": "2", "ZALO_OA_SECRET_KEY": "3"}
    assert load_settings(zalo, env_file=None).inbox_channels
