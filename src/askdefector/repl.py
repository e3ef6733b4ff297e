"""The interactive chat: a prompt_toolkit session over ``KnowledgeBase.ask``.

Follow-up questions are asked with the earlier questions of the chat as history.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import TextIO

from .knowledge import KnowledgeBase
from .render import format_answer, safe, use_colour
from .types import Answer

HELP = """Type a question and press Enter. Commands:
  :sources N   the whole passage behind citation [N] of the last answer
  :k N         show at most N quotes per answer
  :help        this text
  :quit        leave (or Ctrl-D); Ctrl-C clears the line"""


def history_path() -> Path:
    """The chat history file in the user's data directory."""
    import platformdirs

    return Path(platformdirs.user_data_dir("askdefector", appauthor=False)) / "history"


_NOT_UTF8 = re.compile("[\udc80-\udcff]")


class Chat:
    """The chat's state and commands, independent of how lines are read."""

    def __init__(self, kb: KnowledgeBase, k: int = 3, out: TextIO | None = None, colour: bool = False) -> None:
        self.kb, self.k, self.colour = kb, k, colour
        self.out = out or sys.stdout
        self.questions: list[str] = []
        self.last: Answer | None = None
        self.noted_bytes = False

    def banner(self) -> str:
        r = self.kb.report
        return f"askdefector: {r.documents} articles, {r.passages} passages. :help for commands, Ctrl-D to quit."

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def handle(self, line: str) -> bool:
        """Act on one input line; False when the chat should end."""
        line = line.strip()
        if not line:
            return True
        if _NOT_UTF8.search(line):  # piped input's bytes that are not UTF-8 (surrogateescape)
            line = _NOT_UTF8.sub("\ufffd", line)
            if not self.noted_bytes:
                self.say("(note: bytes of the input that were not UTF-8 text were replaced by \ufffd)")
                self.noted_bytes = True
        if line.startswith(":"):
            return self.command(line)
        answer = self.kb.ask(line, history=self.questions, k=self.k)
        self.questions.append(line)
        self.last = answer
        if answer.note:
            self.say(f"(note: {answer.note})")
        self.say(format_answer(answer, colour=self.colour) + "\n")
        return True

    def command(self, line: str) -> bool:
        name, _, arg = line.partition(" ")
        if name in (":quit", ":q", ":exit"):
            return False
        if name == ":help":
            self.say(HELP)
        elif name == ":k":
            if not arg.strip().isdigit() or int(arg) < 1:
                self.say("usage: :k N (a whole number, 1 or more)")
            else:
                self.k = int(arg)
                self.say(f"showing at most {self.k} quote{'s' if self.k != 1 else ''}")
        elif name == ":sources":
            self.sources(arg.strip())
        else:
            self.say(f"unknown command {safe(name)}; :help lists them")
        return True

    def sources(self, arg: str) -> None:
        quotes = self.last.quotes if self.last else ()
        if not arg.isdigit() or not 1 <= int(arg) <= len(quotes):
            self.say(f"usage: :sources N, with N a citation number of the last answer (1-{len(quotes)})" if quotes
                     else "no citations yet: ask a question first")
            return
        quote = quotes[int(arg) - 1]
        passage = self.kb.passage(quote.passage)
        if passage is None:
            self.say(f"[{arg}] {safe(quote.citation)}: that passage is no longer in the index (its article changed)")
            return
        self.say(f"[{arg}] {safe(quote.citation)}\n{safe(passage.text)}\n")


def run_repl(kb: KnowledgeBase, k: int = 3, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Chat until Ctrl-D or :quit; plain line reading when stdin is not a terminal."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    chat = Chat(kb, k, stdout, colour=use_colour(stdout))
    if not (stdin.isatty() and stdout.isatty()):
        if isinstance(stdin, io.TextIOWrapper):  # a line that is not UTF-8 is asked, with a note
            stdin.reconfigure(errors="surrogateescape")
        for line in stdin:
            if not chat.handle(line):
                break
        return 0
    chat.say(chat.banner())
    session = make_session()
    while True:
        try:
            line = session.prompt("? ")
        except KeyboardInterrupt:
            continue  # Ctrl-C clears the line
        except EOFError:
            break
        if not chat.handle(line):
            break
    return 0


def make_session(**kwargs):
    """A prompt_toolkit session with persistent history and suggestions from it."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        history = FileHistory(str(path))
    except OSError:
        history = InMemoryHistory()
    return PromptSession(history=history, auto_suggest=AutoSuggestFromHistory(), **kwargs)
