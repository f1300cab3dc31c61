"""Why a plan file could not be imported; each error names the file and what is wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from bot.errors import BotError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bot.i18n import Translator

OLD_FORMATS: Final = frozenset({".doc", ".xls"})


class PlanImportError(BotError):
    """A plan file could not be turned into tasks."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name

    def message(self, t: Translator) -> str:
        """Explain the error to the person who sent the file."""
        return t._("The plan file {name} could not be imported.", name=self.name)


class UnsupportedFormat(PlanImportError):
    """The file is neither .docx, .xlsx nor .csv (an old .doc or .xls included)."""

    def __init__(self, name: str, suffix: str) -> None:
        super().__init__(name, f"unsupported format {suffix or '(none)'}")
        self.suffix = suffix

    def message(self, t: Translator) -> str:
        """Explain the error to the person who sent the file."""
        if self.suffix in OLD_FORMATS:
            return t._(
                "{name} is in the old {suffix} format. Open it in Word or Excel, save it as "
                ".docx or .xlsx and send it again.",
                name=self.name,
                suffix=self.suffix,
            )
        return t._(
            "{name} is not a file I can read. Send the plan as a Word (.docx), Excel (.xlsx) "
            "or CSV file.",
            name=self.name,
        )


class CorruptFile(PlanImportError):
    """The file claims a format but its content cannot be read."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(name, f"cannot be read: {detail}")
        self.detail = detail

    def message(self, t: Translator) -> str:
        """Explain the error to the person who sent the file."""
        return t._(
            "{name} could not be read: the file seems damaged. Open it, save it again and "
            "send it again.",
            name=self.name,
        )


class EncryptedFile(PlanImportError):
    """The file is password-protected (an encrypted OLE container instead of a zip)."""

    def __init__(self, name: str) -> None:
        super().__init__(name, "password-protected")

    def message(self, t: Translator) -> str:
        """Explain the error to the person who sent the file."""
        return t._(
            "{name} is protected with a password. Remove the password, save the file and "
            "send it again.",
            name=self.name,
        )


class FileTooLarge(PlanImportError):
    """The file is bigger than the import limit."""

    def __init__(self, name: str, size: int, limit: int) -> None:
        super().__init__(name, f"{size} bytes, over the limit of {limit}")
        self.size = size
        self.limit = limit

    def message(self, t: Translator) -> str:
        """Explain the error to the person who sent the file."""
        return t._(
            "{name} is too large ({size} MB); the limit is {limit} MB.",
            name=self.name,
            size=t.number(round(self.size / 1_048_576, 1)),
            limit=t.number(round(self.limit / 1_048_576, 1)),
        )


class NoTaskTable(PlanImportError):
    """No table in the file has a header with a task column and a lead column."""

    def __init__(self, name: str) -> None:
        super().__init__(name, "no task table")

    def message(self, t: Translator) -> str:
        """Explain the error to the person who sent the file."""
        return t._(
            "I found no task table in {name}. The table needs a header row with columns such "
            "as “Nhiệm vụ” and “Cơ quan chủ trì”.",
            name=self.name,
        )


class MissingColumn(PlanImportError):
    """The task table lacks a required column (``column`` is "task" or "lead")."""

    def __init__(self, name: str, column: str, headers: Sequence[str]) -> None:
        super().__init__(name, f"no {column} column among {list(headers)}")
        self.column = column
        self.headers = tuple(headers)

    def message(self, t: Translator) -> str:
        """Explain the error to the person who sent the file."""
        found = "; ".join(h for h in self.headers if h) or "-"
        if self.column == "task":
            return t._(
                "The task table in {name} has no task column (such as “Nhiệm vụ” or “Nội "
                "dung”). Its columns are: {found}.",
                name=self.name,
                found=found,
            )
        return t._(
            "The task table in {name} has no column for the lead unit (such as “Cơ quan chủ "
            "trì” or “Đơn vị thực hiện”). Its columns are: {found}.",
            name=self.name,
            found=found,
        )


class YearNotFound(PlanImportError):
    """Nothing in the file tells which year the plan is for."""

    def __init__(self, name: str) -> None:
        super().__init__(name, "plan year not found")

    def message(self, t: Translator) -> str:
        """Explain the error to the person who sent the file."""
        return t._(
            "I could not tell which year the plan in {name} is for. Please give the year.",
            name=self.name,
        )


class FileLimitExceeded(PlanImportError):
    """The file claims, or its reading took, more than a plan file may (``limit`` says what)."""

    def __init__(self, name: str, limit: str, found: int, allowed: int) -> None:
        super().__init__(name, f"{limit}: {found}, over the limit of {allowed}")
        self.limit = limit
        self.found = found
        self.allowed = allowed

    def message(self, t: Translator) -> str:
        """Explain the error to the person who sent the file."""
        found, allowed = t.number(self.found), t.number(self.allowed)
        name = self.name
        match self.limit:
            case "archive_members":
                text = t._(
                    "{name} is made of {found} parts; a plan file has at most {allowed}.",
                    name=name,
                    found=found,
                    allowed=allowed,
                )
            case "archive_unpacked" | "part_unpacked":
                text = t._(
                    "{name} unpacks to {found} MB; a plan file may unpack to at most {allowed} MB.",
                    name=name,
                    found=t.number(self.found // 1_048_576),
                    allowed=t.number(self.allowed // 1_048_576),
                )
            case "compression_ratio":
                text = t._(
                    "{name} is packed {found} times smaller than its content, which only a "
                    "crafted file is; a plan file is packed at most {allowed} times.",
                    name=name,
                    found=found,
                    allowed=allowed,
                )
            case "tables":
                text = t._(
                    "{name} has {found} tables or sheets; a plan file has at most {allowed}.",
                    name=name,
                    found=found,
                    allowed=allowed,
                )
            case "rows":
                text = t._(
                    "A table in {name} has {found} rows; a plan table has at most {allowed}.",
                    name=name,
                    found=found,
                    allowed=allowed,
                )
            case "columns":
                text = t._(
                    "A table in {name} has {found} columns; a plan table has at most {allowed}.",
                    name=name,
                    found=found,
                    allowed=allowed,
                )
            case "span":
                text = t._(
                    "A cell in {name} spans {found} columns; a plan table cell spans at most "
                    "{allowed}.",
                    name=name,
                    found=found,
                    allowed=allowed,
                )
            case "cells" | "merges":
                text = t._(
                    "The tables in {name} have {found} cells or merged ranges; a plan file "
                    "has at most {allowed}.",
                    name=name,
                    found=found,
                    allowed=allowed,
                )
            case "line_chars" | "field_chars":
                text = t._(
                    "A line or cell of {name} is {found} characters long; a plan allows at "
                    "most {allowed}.",
                    name=name,
                    found=found,
                    allowed=allowed,
                )
            case "memory":
                text = t._(
                    "Reading {name} needed more than {allowed} MB of memory, far more than a "
                    "plan file needs.",
                    name=name,
                    allowed=t.number(self.allowed // 1_048_576),
                )
            case _:
                text = t._(
                    "Reading {name} took more than {allowed} seconds, far longer than a plan "
                    "file takes.",
                    name=name,
                    allowed=allowed,
                )
        return text + " " + t._("Send the plan's task table alone, as .docx, .xlsx or .csv.")
