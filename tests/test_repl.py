"""The chat, driven through prompt_toolkit's pipe input and through plain stdin."""

import io

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from askdefector.repl import Chat, history_path, make_session, run_repl


def chat_transcript(kb, lines):
    out = io.StringIO()
    chat = Chat(kb, out=out)
    for line in lines:
        if not chat.handle(line):
            break
    return out.getvalue(), chat


def test_follow_up_and_sources(kb):
    text, chat = chat_transcript(kb, ["Who shot him?", "How many times?", ":sources 1"])
    assert chat.questions == ["Who shot him?", "How many times?"]
    answer_two = text.split("\n\n[1]")[1]
    assert "five times" in chat.last.quotes[0].text
    passage = kb.passage(chat.last.quotes[0].passage).text
    assert text.rstrip().endswith(passage)
    assert answer_two


def test_k_limits_quotes(kb):
    text, chat = chat_transcript(kb, [":k 1", "how many times was he shot", ":k 2"])
    assert "showing at most 1 quote\n" in text and "showing at most 2 quotes" in text
    assert len(chat.last.quotes) == 1


def test_commands_and_quit(kb):
    text, chat = chat_transcript(kb, [":help", ":sources 9", ":nope", "", ":quit", "never asked"])
    assert ":sources N" in text and "no citations yet" in text and "unknown command :nope" in text
    assert chat.questions == []


def test_plain_stdin_when_not_a_terminal(kb):
    out = io.StringIO()
    assert run_repl(kb, stdin=io.StringIO("Which newspaper interviewed him?\n:quit\n"), stdout=out) == 0
    assert "Sankei Shimbun" in out.getvalue()


def test_prompt_session_keeps_history_across_sessions(tmp_path):
    with create_pipe_input() as pipe:
        session = make_session(input=pipe, output=DummyOutput())
        pipe.send_text("who shot him\r")
        assert session.prompt("? ") == "who shot him"
    assert "who shot him" in history_path().read_text()
    with create_pipe_input() as pipe:
        session = make_session(input=pipe, output=DummyOutput())
        pipe.send_text("\x1b[A\r")  # up-arrow recalls the last session's question
        assert session.prompt("? ") == "who shot him"


def test_ctrl_d_ends_the_prompt(tmp_path):
    with create_pipe_input() as pipe:
        session = make_session(input=pipe, output=DummyOutput())
        pipe.send_text("\x04")
        with pytest.raises(EOFError):
            session.prompt("? ")
