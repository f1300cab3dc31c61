"""Settings read from the environment and an optional ``.env`` file."""

from __future__ import annotations

import base64
import binascii
import os
import re
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
DEFAULT_ZALO_OA_API_BASE_URL: Final = "https://openapi.zalo.me"
DEFAULT_ZALO_OAUTH_BASE_URL: Final = "https://oauth.zaloapp.com"
DEFAULT_ZALO_BOT_API_BASE_URL: Final = "https://bot-api.zaloplatforms.com"
# The template types Zalo's documentation lists for transaction messages.
ZALO_TRANSACTION_TEMPLATES: Final = tuple(
    "transaction_" + kind
    for kind in (
        "billing",
        "order",
        "reward",
        "contract",
        "booking",
        "membership",
        "event",
        "transaction",
        "account",
        "internal",
        "partnership",
        "education",
        "rating",
    )
)
WEBHOOK_SECRET_MIN: Final = 32
# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - in X-Telegram-Bot-Api-Secret-Token.
_SECRET_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

_BOT_TOKEN_CHARS: Final = _SECRET_CHARS | {":"}

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
    webhook_secret: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    public_url: str | None = None
    inbox_lease_seconds: int = 60
    # Processes that handle stored webhook events beside the one serving HTTP (0: that one).
    inbox_workers: int = 1
    zalo_app_id: str | None = None
    zalo_app_secret: str | None = None
    zalo_oa_secret_key: str | None = None
    zalo_oa_api_base_url: str = DEFAULT_ZALO_OA_API_BASE_URL
    zalo_oauth_base_url: str = DEFAULT_ZALO_OAUTH_BASE_URL
    zalo_bot_token: str | None = None
    zalo_bot_api_base_url: str = DEFAULT_ZALO_BOT_API_BASE_URL
    zalo_bot_webhook_secret: str | None = None
    # Zalo's 2023 price list (verify against the OA's current one): VND per message.
    zalo_free_replies: int = 8
    zalo_price_consultation: int = 55
    zalo_price_transaction: int = 165
    # The picture on Zalo's "request user info" card (unverified whether Zalo requires one).
    zalo_card_image_url: str | None = None
    # Where transaction messages go and which of Zalo's template types they use: from the
    # documentation's mirror, unverified on a real OA (the README's Zalo section says so).
    zalo_transaction_path: str = "/v3.0/oa/message/transaction"
    zalo_transaction_template: str = "transaction_event"
    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "Asia/Ho_Chi_Minh"
    default_locale: str = "vi"
    org_name: str = DEFAULT_ORG_NAME
    invite_ttl_days: int = 7
    dialog_ttl_minutes: int = 60
    log_level: str = "INFO"
    data_key: str | None = None
    data_key_file: str = "data/secret.key"
    audit_key: str | None = None
    audit_key_file: str = "data/audit.key"
    audit_checkpoint_dir: str = "data/audit-checkpoints"
    audit_checkpoint_minutes: int = 60
    backup_dir: str = "data/backups"
    backup_keep: int = 7
    contact_retention_days: int = 5 * 365
    feedback_daily_limit: int = 5
    zalo_oa_url: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The zone in which people read times and jobs run."""
        return ZoneInfo(self.timezone)

    @property
    def telegram_webhook_url(self) -> str | None:
        """Where Telegram posts updates: the explicit URL, else the public base's /telegram."""
        if self.webhook_url:
            return self.webhook_url
        return None if self.public_url is None else self.public_url.rstrip("/") + "/telegram"

    @property
    def zalo_configured(self) -> bool:
        """Whether the Zalo Official Account channel has what it needs to run."""
        return bool(self.zalo_app_id and self.zalo_app_secret and self.zalo_oa_secret_key)

    @property
    def zalo_bot_mode(self) -> UpdateMode:
        """How the Zalo Bot gets updates: pushed to the webhook when it has a secret and a
        public address, else fetched with ``getUpdates``."""
        return "webhook" if self.zalo_bot_webhook_secret and self.public_url else "polling"

    @property
    def networked(self) -> bool:
        """Whether any networked channel is configured (else the bot is the console chat)."""
        return self.telegram_token is not None or self.zalo_configured or bool(self.zalo_bot_token)

    @property
    def inbox_channels(self) -> bool:
        """Whether a configured channel keeps its events in the inbox (webhooks, Zalo Bot)."""
        telegram_hook = self.telegram_token is not None and not self.telegram_polls
        return telegram_hook or self.zalo_configured or bool(self.zalo_bot_token)

    @property
    def telegram_polls(self) -> bool:
        """Whether Telegram updates are fetched (and handled) by the HTTP process itself."""
        webhook = self.telegram_mode == "webhook" and self.telegram_webhook_url is not None
        return self.telegram_token is not None and not webhook

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
        if not raw.isascii():  # int() would read full-width and other scripts' digits
            raise ValueError(raw)
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


def _api_path(name: str, raw: str) -> str:
    if not re.fullmatch(r"(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+", raw):
        raise SettingsError(
            name, f"expected a path such as /v3.0/oa/message/transaction, got {raw!r}"
        )
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


def _zalo_bot_token(raw: str) -> str:
    # It becomes part of every call's URL path (``/bot<TOKEN>/<method>``).
    if not 8 <= len(raw) <= 256 or not raw.isascii() or not set(raw) <= _BOT_TOKEN_CHARS:
        raise SettingsError(
            "ZALO_BOT_TOKEN",
            "expected the token Zalo Bot Creator gave (8 to 256 characters of letters, digits, "
            "':', '_' and '-')",
        )
    return raw


def _webhook_secret(raw: str, name: str = "TELEGRAM_WEBHOOK_SECRET") -> str:
    if not WEBHOOK_SECRET_MIN <= len(raw) <= 256 or not set(raw) <= _SECRET_CHARS:
        raise SettingsError(
            name,
            f"expected {WEBHOOK_SECRET_MIN} to 256 characters of A-Z, a-z, 0-9, _ and -; make "
            "one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'",
        )
    if len(set(raw)) < 8:
        raise SettingsError(name, "too few different characters; use a long random value")
    return raw


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
    if secret := get("TELEGRAM_WEBHOOK_SECRET"):
        kwargs["webhook_secret"] = _webhook_secret(secret)
    if host := get("BOT_HTTP_HOST"):
        kwargs["http_host"] = host
    if port := get("BOT_HTTP_PORT"):
        kwargs["http_port"] = _int("BOT_HTTP_PORT", port, 1, 65535)
    if public := get("BOT_PUBLIC_URL"):
        kwargs["public_url"] = _url("BOT_PUBLIC_URL", public, ("https", "http")).rstrip("/")
    if lease := get("BOT_INBOX_LEASE_SECONDS"):
        kwargs["inbox_lease_seconds"] = _int("BOT_INBOX_LEASE_SECONDS", lease, 1, 3600)
    if workers := get("BOT_INBOX_WORKERS"):
        kwargs["inbox_workers"] = _int("BOT_INBOX_WORKERS", workers, 0, 16)
    for key in ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY"):
        if value := get(key):
            kwargs[key.lower()] = value
    if free := get("ZALO_FREE_REPLIES"):
        kwargs["zalo_free_replies"] = _int("ZALO_FREE_REPLIES", free, 0, 1000)
    if price := get("ZALO_PRICE_CONSULTATION_VND"):
        kwargs["zalo_price_consultation"] = _int("ZALO_PRICE_CONSULTATION_VND", price, 0, 100_000)
    if price := get("ZALO_PRICE_TRANSACTION_VND"):
        kwargs["zalo_price_transaction"] = _int("ZALO_PRICE_TRANSACTION_VND", price, 0, 100_000)
    if image := get("ZALO_CARD_IMAGE_URL"):
        kwargs["zalo_card_image_url"] = _url("ZALO_CARD_IMAGE_URL", image, ("https",))
    if path := get("ZALO_TRANSACTION_PATH"):
        kwargs["zalo_transaction_path"] = _api_path("ZALO_TRANSACTION_PATH", path)
    if template := get("ZALO_TRANSACTION_TEMPLATE"):
        kwargs["zalo_transaction_template"] = _choice(
            "ZALO_TRANSACTION_TEMPLATE", template, ZALO_TRANSACTION_TEMPLATES
        )
    for key in ("ZALO_OA_API_BASE_URL", "ZALO_OAUTH_BASE_URL"):
        if value := get(key):
            kwargs[key.lower()] = _url(key, value, ("https", "http")).rstrip("/")
    if bot_token := get("ZALO_BOT_TOKEN"):
        kwargs["zalo_bot_token"] = _zalo_bot_token(bot_token)
    if bot_base := get("ZALO_BOT_API_BASE_URL"):
        kwargs["zalo_bot_api_base_url"] = _url(
            "ZALO_BOT_API_BASE_URL", bot_base, ("https", "http")
        ).rstrip("/")
    if bot_secret := get("ZALO_BOT_WEBHOOK_SECRET"):
        if not bot_token:
            raise SettingsError("ZALO_BOT_WEBHOOK_SECRET", "set ZALO_BOT_TOKEN as well")
        kwargs["zalo_bot_webhook_secret"] = _webhook_secret(bot_secret, "ZALO_BOT_WEBHOOK_SECRET")
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
    if audit_key := get("BOT_AUDIT_KEY"):
        if len(audit_key) < WEBHOOK_SECRET_MIN:
            raise SettingsError(
                "BOT_AUDIT_KEY", f"expected at least {WEBHOOK_SECRET_MIN} characters"
            )
        kwargs["audit_key"] = audit_key
    if audit_key_file := get("BOT_AUDIT_KEY_FILE"):
        kwargs["audit_key_file"] = audit_key_file
    if checkpoints := get("BOT_AUDIT_CHECKPOINT_DIR"):
        kwargs["audit_checkpoint_dir"] = checkpoints
    if every := get("BOT_AUDIT_CHECKPOINT_MINUTES"):
        kwargs["audit_checkpoint_minutes"] = _int("BOT_AUDIT_CHECKPOINT_MINUTES", every, 1, 24 * 60)
    if backup_dir := get("BOT_BACKUP_DIR"):
        kwargs["backup_dir"] = backup_dir
    if keep := get("BOT_BACKUP_KEEP"):
        kwargs["backup_keep"] = _int("BOT_BACKUP_KEEP", keep, 0, 365)
    if retention := get("BOT_CONTACT_RETENTION_DAYS"):
        kwargs["contact_retention_days"] = _int(
            "BOT_CONTACT_RETENTION_DAYS", retention, 1, 100 * 365
        )
    if limit := get("BOT_FEEDBACK_DAILY_LIMIT"):
        kwargs["feedback_daily_limit"] = _int("BOT_FEEDBACK_DAILY_LIMIT", limit, 1, 1000)
    if zalo := get("BOT_ZALO_OA_URL"):
        kwargs["zalo_oa_url"] = _url("BOT_ZALO_OA_URL", zalo, ("https",))
    settings = Settings(**kwargs)
    if settings.telegram_mode == "webhook" and not settings.telegram_webhook_url:
        raise SettingsError(
            "TELEGRAM_WEBHOOK_URL", "required when TELEGRAM_MODE=webhook (or set BOT_PUBLIC_URL)"
        )
    if settings.telegram_mode == "webhook" and not settings.webhook_secret:
        # Without it anyone who finds the URL can post updates in an administrator's name.
        raise SettingsError(
            "TELEGRAM_WEBHOOK_SECRET",
            f"required when TELEGRAM_MODE=webhook (at least {WEBHOOK_SECRET_MIN} random "
            "characters; python3 -c 'import secrets; print(secrets.token_urlsafe(48))')",
        )
    return settings
