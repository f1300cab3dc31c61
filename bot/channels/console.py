"""The console channel: a chat in the terminal where one can act as anyone."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final, TextIO

from bot.dispatcher import Dispatcher
from bot.i18n import Translator
from bot.messages import Attachment, Button, Incoming, Reply

CHANNEL: Final = "console"
DEFAULT_NAME: Final = "Khách"
MAX_FILE_BYTES: Final = 20 * 1024 * 1024


class ConsoleSender:
    """Prints outbox messages (reminders, notices) into the console chat."""

    def __init__(self, stdout: TextIO) -> None:
        self._stdout = stdout

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Show a message that was sent to a console persona."""
        self._stdout.write(f"\n[→ #{chat_id}]\n{reply.text}\n")
        for row in reply.buttons:
            self._stdout.write("   " + "   ".join(f"({b.data}) {b.text}" for b in row) + "\n")
        self._stdout.flush()


def console_user_id(name: str) -> str:
    """A stable id for a console persona, so ``/as Lan`` is the same person every run."""
    digest = hashlib.sha256(" ".join(name.casefold().split()).encode()).digest()
    return str(int.from_bytes(digest[:6], "big"))


@dataclass(slots=True)
class ConsoleChat:
    """Reads lines, hands them to the dispatcher as the current persona, prints replies."""

    dispatcher: Dispatcher
    stdin: TextIO
    stdout: TextIO
    files_dir: Path = Path("data/console-files")
    name: str = DEFAULT_NAME
    locale: str = "vi"
    _buttons: list[Button] = field(default_factory=list)

    def _t(self) -> Translator:
        return Translator(self.locale)

    def _print(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def run(self) -> None:
        """Chat until end of input or ``/quit``."""
        t = self._t()
        self._print(
            t._(
                "Console chat. You are “{name}”. /as NAME acts as someone else, "
                "/file PATH sends a file, a number presses a button, /quit leaves.",
                name=self.name,
            )
        )
        while True:
            self.stdout.write(f"{self.name}> ")
            self.stdout.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                self._print("")
                return
            if not await self.handle_line(line.rstrip("\r\n")):
                return

    async def handle_line(self, line: str) -> bool:
        """Act on one typed line; return ``False`` to stop."""
        text = line.strip()
        if not text:
            return True
        if text in {"/quit", "/exit"}:
            return False
        if text.startswith("/as ") or text == "/as":
            self._switch(text[3:].strip())
            return True
        incoming = self._incoming(text)
        if incoming is None:
            return True
        outcome = await self.dispatcher.handle(incoming)
        self.locale = outcome.locale
        self._show(outcome.replies)
        return True

    def _switch(self, name: str) -> None:
        t = self._t()
        if not name:
            self._print(t._("Usage: /as NAME"))
            return
        self.name = " ".join(name.split())[:100]
        self._buttons = []
        self._print(t._("You are now “{name}”.", name=self.name))

    def _incoming(self, text: str) -> Incoming | None:
        base = Incoming(
            channel=CHANNEL,
            user_id=console_user_id(self.name),
            chat_id=console_user_id(self.name),
            display_name=self.name,
            language_code=None,
        )
        # Only a number that fits the buttons on screen presses one; longer digit strings
        # (a phone number) are text.
        if text.isdigit() and len(text) <= 2 and self._buttons:
            index = int(text) - 1
            if 0 <= index < len(self._buttons) and self._buttons[index].data:
                return replace(base, button=self._buttons[index].data)
            self._print(self._t()._("No button has that number."))
            return None
        if text.startswith("/file"):
            return self._file_incoming(base, text[5:].strip())
        return replace(base, text=text)

    def _file_incoming(self, base: Incoming, raw_path: str) -> Incoming | None:
        t = self._t()
        path = Path(raw_path).expanduser()
        if not raw_path or not path.is_file():
            self._print(t._("No such file: {path}", path=raw_path))
            return None
        if path.stat().st_size > MAX_FILE_BYTES:
            self._print(t._("That file is too large."))
            return None
        data = path.read_bytes()
        return replace(base, attachment=Attachment(path.name, None, len(data), content=data))

    def _show(self, replies: list[Reply]) -> None:
        self._buttons = []
        for reply in replies:
            self._print(reply.text)
            if reply.file is not None and reply.file.content is not None:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                target = self.files_dir / Path(reply.file.filename).name
                target.write_bytes(reply.file.content)
                self._print(f"[📎 {target}]")
            for row in reply.buttons:
                labels = []
                for button in row:
                    self._buttons.append(button)
                    labels.append(f"[{len(self._buttons)}] {button.text}")
                self._print("   " + "   ".join(labels))
