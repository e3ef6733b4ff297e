"""Bad input, damaged caches, interruptions and concurrent runs: a clear message, never a
traceback, never a wrong answer from stale vectors, never a lost cache."""

import json
import os
import random
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from askdefector.cache.vectors import VectorCache, embed_with_cache
from askdefector.cli import main
from askdefector.knowledge import KnowledgeBase
from askdefector.types import Document

from conftest import CORPUS, HashEmbedder

DOCS = [Document("a.md", "A", "The guard ran. Soldiers fired five times."), Document("b.md", "B", "He lived.")]


# Bounds only, never measures: generous enough for a machine with both cores busy.
SLOW = 900


def cli(*args, timeout=SLOW, **kwargs):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "askdefector.cli", *args], capture_output=True, text=True, env=env, timeout=timeout, **kwargs
    )


def popen(*args):
    return subprocess.Popen(
        [sys.executable, "-m", "askdefector.cli", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("robust-cache"))


# -- questions -----------------------------------------------------------------------------


def test_long_question_is_cut_with_a_note_and_answered(shared_cache):
    question = "How many times was he shot? " + "padding words " * 8000  # about 110 KB
    result = cli("--corpus", str(CORPUS), "--cache", shared_cache, question)
    assert result.returncode == 0, result.stderr
    assert "cut to its first" in result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize("question", ["¿Cuántas veces le dispararon?", "the of and ? !", "...", "他被枪击了几次"])
def test_odd_questions_get_an_answer_or_a_decline(shared_cache, question):
    result = cli("--corpus", str(CORPUS), "--cache", shared_cache, "--json", question)
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout)["found"], bool)


HOSTILE = "\x1b\x07\x9b\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # ESC, BEL, CSI, bidi


def test_escape_sequences_never_reach_the_terminal(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "The ferry \x1b[2J\x1b]0;pwned\x07leaves the \x9b31mharbour at \u202enoon\u202c every \u2066day\u2069."
    (corpus / "evil.txt").write_text("Evil\n\n" + text)
    cache = str(tmp_path / "cache")
    result = cli("--corpus", str(corpus), "--cache", cache, "When does the ferry leave \x1b[31m\u202e?")
    assert result.returncode == 0, result.stderr
    assert "noon" in result.stdout
    assert not set(HOSTILE) & set(result.stdout + result.stderr)
    as_json = cli("--corpus", str(corpus), "--cache", cache, "--json", "When does the ferry leave \x1b[31m\u202e?")
    assert not set(HOSTILE) & set(as_json.stdout)  # escaped as \\u001b, \\u009b, \\u202e ...
    data = json.loads(as_json.stdout)
    quote = data["quotes"][0]["text"]
    assert quote in text and "\u202enoon" in quote  # the exact text, once decoded
    assert data["question"] == "When does the ferry leave \x1b[31m\u202e?"


def test_a_question_that_is_not_utf8_is_answered_with_a_note(shared_cache):
    args = [sys.executable, "-m", "askdefector", "--corpus", str(CORPUS), "--cache", shared_cache]
    result = subprocess.run(
        [*map(os.fsencode, args), b"how many times was he shot \xff\xfe?"],
        capture_output=True, env={**os.environ, "NO_COLOR": "1"}, timeout=SLOW,
    )
    assert result.returncode == 0, result.stderr
    assert b"five times" in result.stdout.replace(b"**", b"")  # the answer is marked inside its quote
    assert b"not UTF-8" in result.stderr and b"Traceback" not in result.stderr


def test_piped_chat_goes_on_after_a_line_that_is_not_utf8(kb):
    import io

    from askdefector.repl import run_repl

    lines = b"who \xff\xfe shot him?\nWhich newspaper interviewed him?\n:nope \xff\n"
    stdin = io.TextIOWrapper(io.BytesIO(lines), encoding="utf-8")
    out = io.StringIO()
    assert run_repl(kb, stdin=stdin, stdout=out) == 0
    assert out.getvalue().count("[1] ") == 2 and "Sankei Shimbun" in out.getvalue()
    assert out.getvalue().count("not UTF-8") == 1  # noted once, as for a question given as an argument


# -- corpus --------------------------------------------------------------------------------


def test_each_bad_file_is_named_once_and_the_rest_indexed(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Ferry\n\nThe ferry leaves the harbour at noon every day.")
    (corpus / "zero.txt").write_bytes(b"")
    (corpus / "binary.md").write_bytes(bytes(range(256)))
    (corpus / "latin1.txt").write_bytes("d\xe9j\xe0 vu".encode("latin-1"))
    with open(corpus / "huge.txt", "wb") as fh:  # 50 MB, sparse
        fh.truncate(50_000_000)
    os.symlink(corpus / "loop2.txt", corpus / "loop1.txt")
    os.symlink(corpus / "loop1.txt", corpus / "loop2.txt")
    os.symlink(corpus / "deleted-meanwhile.txt", corpus / "gone.txt")
    os.symlink(corpus, corpus / "subdir-loop")
    result = cli("--corpus", str(corpus), "--cache", str(tmp_path / "c"), "When does the ferry leave?")
    assert result.returncode == 0, result.stderr
    assert "noon" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if "skipped" in line]
    for name in ("zero.txt", "binary.md", "huge.txt", "loop1.txt", "loop2.txt", "gone.txt"):
        assert sum(name in w for w in warnings) == 1, (name, result.stderr)
    assert "latin1.txt: not UTF-8: read as" in result.stderr  # read, with a note of how
    assert "Traceback" not in result.stderr


# -- cache -----------------------------------------------------------------------------------


def build(tmp_path, embedder=None):
    return KnowledgeBase.from_documents(DOCS, cache_dir=tmp_path, embedder=embedder or HashEmbedder())


def manifest_of(tmp_path):
    return next(tmp_path.rglob("manifest.json"))


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda m: {**m, "model": "someone-else"}, "written for model"),
        (lambda m: {**m, "format": 0}, "format 0"),
        (lambda m: {**m, "shards": [{**m["shards"][0], "hashes": m["shards"][0]["hashes"] + ["extra"]}]}, "does not match"),
        (lambda m: [], "damaged"),
    ],
)
def test_damaged_cache_is_detected_and_rebuilt_never_served(tmp_path, damage, expected):
    first = build(tmp_path)
    path = manifest_of(tmp_path)
    path.write_text(json.dumps(damage(json.loads(path.read_text()))))
    embedder = HashEmbedder()
    again = build(tmp_path, embedder)
    assert any(expected in w for w in again.report.warnings), again.report.warnings
    assert again.report.embedded == first.report.embedded  # rebuilt from the texts
    np.testing.assert_array_equal(first.store.columns.passage_vectors, again.store.columns.passage_vectors)
    assert build(tmp_path).report.embedded == 0  # and the rebuilt cache is sound


def test_unwritable_cache_answers_without_saving(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    kb = build(blocker / "cache")
    assert any("not writable" in w or "not saved" in w for w in kb.report.warnings)
    assert kb.ask("how many times did soldiers fire").quotes


def test_planted_pickle_is_never_loaded(tmp_path):
    build(tmp_path)
    shard = next(tmp_path.rglob("shard-*.npy"))
    np.save(shard, np.array([{"evil": "object"}], dtype=object), allow_pickle=True)
    kb = build(tmp_path)
    assert any("damaged" in w or "ignoring" in w for w in kb.report.warnings)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=0, max_size=40), min_size=0, max_size=20))
def test_cache_round_trip_gives_the_same_vectors(tmp_path_factory, texts):
    root = tmp_path_factory.mktemp("rt")
    vectors, _ = embed_with_cache(texts, HashEmbedder(), VectorCache(root, "test-hash"))
    again, embedded = embed_with_cache(texts, HashEmbedder(), VectorCache(root, "test-hash"))
    assert embedded == 0
    np.testing.assert_array_equal(vectors, again)


# -- command line parsing ----------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=5))
def test_cli_parsing_never_raises(args):
    try:
        code = main(["--corpus", "/nonexistent/askdefector/corpus", *args])
    except SystemExit as exc:  # argparse's own usage errors and --help
        code = exc.code
    assert code in (0, 1, 2)


# -- interruptions and concurrency --------------------------------------------------------------


def write_corpus(folder, docs=120, seed=7):
    rng = random.Random(seed)
    words = "guard border soldier ferry harbour village river truce jeep camp doctor blood".split()
    folder.mkdir(parents=True, exist_ok=True)
    for d in range(docs):
        sentences = [" ".join(rng.choice(words) for _ in range(12)).capitalize() + "." for _ in range(8)]
        (folder / f"doc{d:03}.txt").write_text(f"Story {d}\n\n" + " ".join(sentences[:4]) + "\n\n" + " ".join(sentences[4:]))


def batch_recorded(cache) -> bool:
    """Whether a finished batch is listed in a manifest (a shard file alone is not yet kept)."""
    for manifest in cache.rglob("manifest.json"):
        try:
            if json.loads(manifest.read_text())["shards"]:
                return True
        except (OSError, ValueError, KeyError):
            pass  # being replaced right now
    return False


def assert_cache_complete(corpus, cache):
    result = cli("index", "--corpus", str(corpus), "--cache", str(cache))
    assert result.returncode == 0, result.stderr
    assert "ignoring" not in result.stderr and "damaged" not in result.stderr
    second = cli("index", "--corpus", str(corpus), "--cache", str(cache))
    assert "embedded 0 new texts" in second.stdout, second.stdout + second.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_indexing_keeps_finished_batches(tmp_path, sig):
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    write_corpus(corpus)
    proc = popen("index", "--corpus", str(corpus), "--cache", str(cache))
    deadline = time.time() + SLOW
    while not batch_recorded(cache) and proc.poll() is None:  # the event: a batch in the manifest
        if time.time() > deadline:
            proc.kill()
            pytest.fail(f"no batch was recorded in {SLOW} s")
        time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=SLOW)
    assert proc.returncode in (0, 130), err
    assert "Traceback" not in err
    if proc.returncode == 130:
        assert "interrupted" in err
    resumed = cli("index", "--corpus", str(corpus), "--cache", str(cache))
    counts = re.match(r"\d+ documents, (\d+) passages, (\d+) sentences; embedded (\d+) new texts", resumed.stdout)
    passages, sentences, embedded = (int(n) for n in counts.groups())
    assert embedded < passages + sentences  # finished batches were kept: not every text embedded again
    assert not list(cache.rglob("*.tmp"))
    assert_cache_complete(corpus, cache)


def test_random_kills_always_leave_a_valid_cache(tmp_path):
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    write_corpus(corpus)
    rng = random.Random(2017)
    for i in range(20):
        if i == 10:
            write_corpus(corpus, seed=11)  # the articles change half way: re-embedding under fire
        proc = popen("index", "--corpus", str(corpus), "--cache", str(cache))
        try:
            proc.wait(timeout=rng.uniform(0.5, 9.0))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        probe = cli("--corpus", str(corpus), "--cache", str(cache), "--json", "where is the ferry")
        assert probe.returncode == 0, probe.stderr
        assert "damaged" not in probe.stderr and "ignoring" not in probe.stderr, probe.stderr
    assert_cache_complete(corpus, cache)


def test_two_index_runs_at_once_end_with_one_valid_cache(tmp_path):
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    write_corpus(corpus)
    procs = [popen("index", "--corpus", str(corpus), "--cache", str(cache)) for _ in range(2)]
    results = [p.communicate(timeout=SLOW) + (p.returncode,) for p in procs]
    assert all(code == 0 for _, _, code in results), results
    embedded = sorted(int(out.split("embedded ")[1].split()[0]) for out, _, _ in results)
    assert embedded[0] == 0 or any("waiting for another askdefector" in err for _, err, _ in results)
    assert_cache_complete(corpus, cache)


def test_question_during_reindex_gets_a_consistent_answer(tmp_path):
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    write_corpus(corpus, docs=60)
    assert cli("index", "--corpus", str(corpus), "--cache", str(cache)).returncode == 0
    old = {p.name: p.read_text() for p in corpus.iterdir()}
    write_corpus(corpus, docs=60, seed=99)  # every article changes: the next index re-embeds all
    indexer = popen("index", "--corpus", str(corpus), "--cache", str(cache))
    answer = cli("--corpus", str(corpus), "--cache", str(cache), "--json", "where is the ferry")
    indexer.communicate(timeout=SLOW)
    assert answer.returncode == 0, answer.stderr
    data = json.loads(answer.stdout)
    version = old if "re-indexing" in answer.stderr else {p.name: p.read_text() for p in corpus.iterdir()}
    for quote in data["quotes"]:  # all from the old articles or all from the new ones
        text = version[quote["doc_id"]].split("\n\n", 1)[1]
        assert text[quote["start"] : quote["end"]] == quote["text"]


def test_question_while_another_process_writes_is_answered_from_the_last_index(tmp_path):
    """Readers never wait on writers: with the cache's lock held by a writer (here, this test,
    which never lets go while the question runs), a changed corpus is answered at once from the
    last complete index, with a note; waiting would end in the timeout."""
    import fcntl

    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    write_corpus(corpus, docs=20)
    assert cli("index", "--corpus", str(corpus), "--cache", str(cache)).returncode == 0
    old = {p.name: p.read_text() for p in corpus.iterdir()}
    write_corpus(corpus, docs=20, seed=99)
    fd = os.open(next(cache.glob("*/.lock")), os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        answer = cli("--corpus", str(corpus), "--cache", str(cache), "--json", "where is the ferry")
    finally:
        os.close(fd)
    assert answer.returncode == 0, answer.stderr
    assert "re-indexing" in answer.stderr and "last complete index" in answer.stderr
    for quote in json.loads(answer.stdout)["quotes"]:
        text = old[quote["doc_id"]].split("\n\n", 1)[1]
        assert text[quote["start"] : quote["end"]] == quote["text"]
    assert "embedded 0 " not in cli("index", "--corpus", str(corpus), "--cache", str(cache)).stdout
