"""Settings read from the environment and an optional ``.env`` file."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.errors import BotError
from bot.i18n import SUPPORTED

DEFAULT_API_BASE_URL: Final = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL: Final = "sqlite+aiosqlite:///data/bot.sqlite3"
DEFAULT_ORG_NAME: Final = "UBND xã"

UpdateMode = Literal["polling", "webhook"]


class SettingsError(BotError):
    """A setting has a value the bot cannot start with."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot is configured with."""

    telegram_token: str | None = None
    telegram_bot_username: str | None = None
    telegram_api_base_url: str = DEFAULT_API_BASE_URL
    telegram_file_base_url: str | None = None
    telegram_mode: UpdateMode = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "Asia/Ho_Chi_Minh"
    default_locale: str = "vi"
    org_name: str = DEFAULT_ORG_NAME
    invite_ttl_days: int = 7
    dialog_ttl_minutes: int = 60
    log_level: str = "INFO"
    data_key: str | None = None
    data_key_file: str = "data/secret.key"
    feedback_daily_limit: int = 5

    @property
    def tz(self) -> ZoneInfo:
        """The zone in which people read times and jobs run."""
        return ZoneInfo(self.timezone)

    @property
    def file_base_url(self) -> str:
        """Where Bot API file downloads live (derived from the API base URL by default)."""
        if self.telegram_file_base_url:
            return self.telegram_file_base_url
        base = self.telegram_api_base_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}"


def _int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"expected a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(name, f"expected a number from {low} to {high}, got {value}")
    return value


def _url(name: str, raw: str, schemes: tuple[str, ...]) -> str:
    if not raw.startswith(tuple(f"{s}://" for s in schemes)):
        raise SettingsError(name, f"expected a URL starting with {' or '.join(schemes)}://")
    return raw


def _database_url(raw: str) -> str:
    name = "DATABASE_URL"
    if raw.startswith("postgresql://"):
        return "postgresql+asyncpg://" + raw.removeprefix("postgresql://")
    if raw.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + raw.removeprefix("sqlite:///")
    if not raw.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise SettingsError(
            name, "expected sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB"
        )
    return raw


def _token(raw: str) -> str:
    head, sep, tail = raw.partition(":")
    if not (sep and head.isdigit() and tail):
        raise SettingsError("TELEGRAM_BOT_TOKEN", "expected the form 123456:ABC… from @BotFather")
    return raw


def _fernet_key(raw: str) -> str:
    try:
        if len(base64.urlsafe_b64decode(raw.encode())) == 32:
            return raw
    except (ValueError, binascii.Error):
        pass
    raise SettingsError("BOT_DATA_KEY", "expected 32 bytes in URL-safe base64 (a Fernet key)")


def _choice(name: str, raw: str, allowed: tuple[str, ...]) -> str:
    if raw not in allowed:
        raise SettingsError(name, f"expected one of {', '.join(allowed)}, got {raw!r}")
    return raw


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Build settings from ``.env`` overlaid with the environment; raise on a bad value."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(key: str) -> str:
        return values.get(key, "").strip()

    kwargs: dict[str, Any] = {}
    if token := get("TELEGRAM_BOT_TOKEN"):
        kwargs["telegram_token"] = _token(token)
    if username := get("TELEGRAM_BOT_USERNAME"):
        kwargs["telegram_bot_username"] = username.removeprefix("@")
    if base := get("TELEGRAM_API_BASE_URL"):
        kwargs["telegram_api_base_url"] = _url("TELEGRAM_API_BASE_URL", base, ("http", "https"))
    if file_base := get("TELEGRAM_FILE_BASE_URL"):
        kwargs["telegram_file_base_url"] = _url(
            "TELEGRAM_FILE_BASE_URL", file_base, ("http", "https")
        )
    if mode := get("TELEGRAM_MODE"):
        kwargs["telegram_mode"] = _choice("TELEGRAM_MODE", mode, ("polling", "webhook"))
    if hook := get("TELEGRAM_WEBHOOK_URL"):
        kwargs["webhook_url"] = _url("TELEGRAM_WEBHOOK_URL", hook, ("https", "http"))
    if listen := get("TELEGRAM_WEBHOOK_LISTEN"):
        kwargs["webhook_listen"] = listen
    if port := get("TELEGRAM_WEBHOOK_PORT"):
        kwargs["webhook_port"] = _int("TELEGRAM_WEBHOOK_PORT", port, 1, 65535)
    if secret := get("TELEGRAM_WEBHOOK_SECRET"):
        kwargs["webhook_secret"] = secret
    if url := get("DATABASE_URL"):
        kwargs["database_url"] = _database_url(url)
    if tz := get("BOT_TIMEZONE"):
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError("BOT_TIMEZONE", f"unknown time zone {tz!r}") from None
        kwargs["timezone"] = tz
    if locale := get("BOT_DEFAULT_LOCALE"):
        kwargs["default_locale"] = _choice("BOT_DEFAULT_LOCALE", locale, SUPPORTED)
    if org := get("BOT_ORG_NAME"):
        kwargs["org_name"] = org
    if ttl := get("BOT_INVITE_TTL_DAYS"):
        kwargs["invite_ttl_days"] = _int("BOT_INVITE_TTL_DAYS", ttl, 1, 365)
    if dttl := get("BOT_DIALOG_TTL_MINUTES"):
        kwargs["dialog_ttl_minutes"] = _int("BOT_DIALOG_TTL_MINUTES", dttl, 1, 60 * 24 * 30)
    if level := get("BOT_LOG_LEVEL"):
        kwargs["log_level"] = _choice(
            "BOT_LOG_LEVEL", level.upper(), ("DEBUG", "INFO", "WARNING", "ERROR")
        )
    if key := get("BOT_DATA_KEY"):
        kwargs["data_key"] = _fernet_key(key)
    if key_file := get("BOT_DATA_KEY_FILE"):
        kwargs["data_key_file"] = key_file
    if limit := get("BOT_FEEDBACK_DAILY_LIMIT"):
        kwargs["feedback_daily_limit"] = _int("BOT_FEEDBACK_DAILY_LIMIT", limit, 1, 1000)
    settings = Settings(**kwargs)
    if settings.telegram_mode == "webhook" and not settings.webhook_url:
        raise SettingsError("TELEGRAM_WEBHOOK_URL", "required when TELEGRAM_MODE=webhook")
    return settings
