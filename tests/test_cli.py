"""The command line: a few runs as a user makes them (a real process, the real model), and the
rest in-process with a small fake embedder (``cli.main(argv, embedder=...)``), as simonw/llm's
tests do: messages, exit codes and output formats don't depend on the model."""

import json
import os
import subprocess
import sys

import pytest

from askdefector.cli import main
from conftest import CORPUS, HashEmbedder


def run(*args, cwd=None, env_extra=None):
    env = {**os.environ, "NO_COLOR": "1", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "askdefector", *args],  # as `python -m askdefector` runs it
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
    )


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cli-cache"))


def run_here(capsys, *args, cache=None):
    """``askdefector ARGS`` in this process with the fake embedder: (exit code, stdout, stderr)."""
    cache_args = ["--cache", str(cache)] if cache is not None else []
    code = main([*cache_args, *args], embedder=HashEmbedder())
    out, err = capsys.readouterr()
    return code, out, err


def test_single_shot_answer_cites_both_outlets(cache):
    result = run("--corpus", str(CORPUS), "--cache", cache, "how many times was he shot")
    assert result.returncode == 0, result.stderr
    assert "**five" in result.stdout  # the reader's answer, marked inside its quote (not a terminal: asterisks)
    assert "five times" in result.stdout.replace("**", "")
    assert "[1] " in result.stdout and "NBC News" in result.stdout and "Business Insider" in result.stdout
    assert "Traceback" not in result.stderr


def test_json_output_has_exact_quotes(capsys, tmp_path):
    code, out, err = run_here(capsys, "--corpus", str(CORPUS), "--json", "Which newspaper interviewed him?", cache=tmp_path)
    assert code == 0, err
    data = json.loads(out)
    assert data["question"] == "Which newspaper interviewed him?" and isinstance(data["found"], bool)
    quote = data["quotes"][0]
    assert {"text", "doc_id", "title", "outlet", "paragraph", "start", "end", "score"} <= set(quote)
    text = (CORPUS / quote["doc_id"]).read_text(encoding="utf-8").split("---\n", 2)[2].strip()
    assert text[quote["start"] : quote["end"]] == quote["text"]


def test_closed_pipe_ends_quietly(cache):
    env = {**os.environ, "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "askdefector.cli", "--corpus", str(CORPUS), "--cache", cache, "who shot him"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    process.stdout.close()  # as `| head` does once it has its lines
    stderr = process.communicate(timeout=300)[1].decode()
    assert stderr == ""
    assert process.returncode == 1


def test_declined_question_says_so(cache):
    result = run("--corpus", str(CORPUS), "--cache", cache, "Who painted the Mona Lisa?")
    assert result.returncode == 0
    assert result.stdout.startswith("The articles don't answer that.")


def test_index_reports_what_it_did_and_nothing_is_written_elsewhere(tmp_path):
    """From an empty HOME: building, asking and chatting write only the cache and the user data
    directory (no telemetry database, no model downloads, nothing in ~/.cache)."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "HF_"))}
    env.update(HOME=str(home), NO_COLOR="1")
    cache = str(tmp_path / "c")

    def run_home(*args, stdin=None):
        command = [sys.executable, "-m", "askdefector", "--corpus", str(CORPUS), "--cache", cache, *args]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=300)

    first = run_home("index")
    assert first.returncode == 0, first.stderr
    assert "2 documents" in first.stdout and "embedded 0 " not in first.stdout
    second = run_home("index")
    assert "embedded 0 new texts" in second.stdout
    assert run_home("how many times was he shot").returncode == 0
    assert run_home(stdin="Who shot him?\nHow many times?\n").returncode == 0
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    assert all(p.startswith(".local/share/askdefector") for p in written), written


def test_a_model_that_is_not_installed_fails_at_once_and_leaves_nothing(tmp_path, capsys):
    from askdefector.cli import main

    cache = tmp_path / "cache"
    assert main(["--model", "no/such-model", "--corpus", str(CORPUS), "--cache", str(cache), "hello"]) == 1
    err = capsys.readouterr().err.strip()
    assert "model 'no/such-model' is not installed" in err and "pip install" in err
    assert len(err.splitlines()) == 1 and not cache.exists()


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["   "], 2, "the question is empty"),
        (["--corpus", "/no/such/folder", "hello"], 1, "corpus folder not found"),
        (["-k", "0", "hello"], 2, "-k must be at least 1"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(capsys, tmp_path, args, code, message):
    returned, _, err = run_here(capsys, *args, cache=tmp_path / "c")
    assert returned == code
    assert message in err and "Traceback" not in err


def test_empty_corpus_is_refused(capsys, tmp_path):
    (tmp_path / "corpus").mkdir()
    code, _, err = run_here(capsys, "--corpus", str(tmp_path / "corpus"), "hello", cache=tmp_path / "c")
    assert code == 1
    assert err.strip().endswith("is empty (add .txt, .md or .html files)")
    assert len(err.strip().splitlines()) == 1


def test_bad_file_is_named_and_the_rest_answered(capsys, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Ferry news\n\nThe ferry leaves the harbour at noon every day.")
    (corpus / "bad.txt").write_bytes(b"\xff\xfe\x00\x00binary")
    code, out, err = run_here(capsys, "--corpus", str(corpus), "--json", "When does the ferry leave?", cache=tmp_path / "c")
    assert code == 0
    assert json.loads(out)["quotes"][0]["text"] == "The ferry leaves the harbour at noon every day."
    assert "skipped" in err and "bad.txt" in err


def test_debug_shows_the_traceback(capsys, tmp_path):
    from askdefector import CorpusError

    with pytest.raises(CorpusError):  # raised, so Python prints the traceback
        run_here(capsys, "--debug", "--corpus", "/no/such/folder", "hello", cache=tmp_path)
    code, _, err = run_here(capsys, "--corpus", "/no/such/folder", "hello", cache=tmp_path)
    assert code == 1 and "Traceback" not in err
