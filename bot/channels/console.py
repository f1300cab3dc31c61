"""The console channel: a chat in the terminal where one can act as anyone."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, TextIO

from bot.channels import choices
from bot.i18n import Translator
from bot.messages import Attachment, Incoming, Reply
from bot.runtime import Runtime

CHANNEL: Final = "console"
DEFAULT_NAME: Final = "Khách"
MAX_FILE_BYTES: Final = 20 * 1024 * 1024


class ConsoleSender:
    """Prints outbox messages (reminders, notices) into the console chat."""

    def __init__(self, runtime: Runtime, stdout: TextIO) -> None:
        self._runtime = runtime
        self._stdout = stdout

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Show a message that was sent to a console persona, its choices numbered."""
        numbered = choices.number_replies([reply])
        if numbered.items:
            async with self._runtime.sessions.begin() as session:
                await choices.remember(
                    session,
                    channel=CHANNEL,
                    chat_id=chat_id,
                    items=numbered.items,
                    now=self._runtime.clock.now(),
                )
        self._stdout.write(f"\n[→ #{chat_id}]\n{numbered.texts[0]}\n")
        self._stdout.flush()


def console_user_id(name: str) -> str:
    """A stable id for a console persona, so ``/as Lan`` is the same person every run."""
    digest = hashlib.sha256(" ".join(name.casefold().split()).encode()).digest()
    return str(int.from_bytes(digest[:6], "big"))


@dataclass(slots=True)
class ConsoleChat:
    """Reads lines, hands them to the dispatcher as the current persona, prints replies."""

    runtime: Runtime
    stdin: TextIO
    stdout: TextIO
    files_dir: Path = Path("data/console-files")
    name: str = DEFAULT_NAME
    locale: str = "vi"

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
                "/file PATH sends a file, a number or a label picks a choice, /quit leaves.",
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
        incoming = await self._incoming(text)
        if incoming is None:
            return True
        outcome = await self.runtime.dispatcher.handle(incoming)
        self.locale = outcome.locale
        await self._show(incoming.chat_id, outcome.replies)
        return True

    def _switch(self, name: str) -> None:
        t = self._t()
        if not name:
            self._print(t._("Usage: /as NAME"))
            return
        self.name = " ".join(name.split())[:100]
        self._print(t._("You are now “{name}”.", name=self.name))

    async def _incoming(self, text: str) -> Incoming | None:
        base = Incoming(
            channel=CHANNEL,
            user_id=console_user_id(self.name),
            chat_id=console_user_id(self.name),
            display_name=self.name,
            language_code=None,
        )
        async with self.runtime.sessions() as session:
            answer = await choices.answer(
                session,
                channel=CHANNEL,
                chat_id=base.chat_id,
                text=text,
                now=self.runtime.clock.now(),
            )
        if answer.payload is not None:
            return replace(base, button=answer.payload)
        if answer.bad_number:
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

    async def _show(self, chat_id: str, replies: list[Reply]) -> None:
        numbered = choices.number_replies(replies)
        async with self.runtime.sessions.begin() as session:
            await choices.remember(
                session,
                channel=CHANNEL,
                chat_id=chat_id,
                items=numbered.items,
                now=self.runtime.clock.now(),
            )
        for reply, text in zip(replies, numbered.texts, strict=True):
            self._print(text)
            if reply.file is not None and reply.file.content is not None:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                target = self.files_dir / Path(reply.file.filename).name
                target.write_bytes(reply.file.content)
                self._print(f"[📎 {target}]")
