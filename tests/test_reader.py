"""Stage 6, the reader: the shipped model file, its answer span, and how each face shows it."""

from __future__ import annotations

import json
import os
import shutil
import time

import numpy as np
import pytest

from askdefector import reader as reading
from askdefector.render import answer_dict, format_answer, marked


def test_the_candidate_is_read_after_its_title_cut_at_a_word():
    text, offset = reading.candidate_text("A headline " * 10, "He was shot five times.")
    assert text[offset:] == "He was shot five times." and text[:offset].endswith(reading.SEPARATOR)
    assert len(text[: offset - len(reading.SEPARATOR)]) <= reading.TITLE_CHARS
    assert reading.candidate_text("", "Alone.") == ("Alone.", 0)


def test_the_span_is_the_best_allowed_and_never_too_long():
    start, end = np.zeros(40), np.zeros(40)
    start[3], end[5] = 5, 5  # the best pair
    start[0], end[0] = 9, 9  # higher, but not a token of the candidate's text
    mask = np.ones(40, dtype=bool)
    mask[0] = False
    assert reading.best_span(start, end, mask) == (3, 5)
    start[1], end[1 + reading.MAX_ANSWER_TOKENS] = 50, 50  # too long a span is never taken
    assert reading.best_span(start, end, mask) != (1, 1 + reading.MAX_ANSWER_TOKENS)
    assert reading.best_span(start, end, np.zeros(40, dtype=bool)) is None


def test_a_damaged_model_file_is_refused_by_its_hash(tmp_path):
    folder = tmp_path / "reader"
    shutil.copytree(reading.FOLDER, folder)
    meta = json.loads((folder / reading.META).read_text())
    model = folder / meta["onnx"]
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 1
    model.write_bytes(bytes(data))
    with pytest.raises(reading.ReaderError, match="SHA-256"):
        reading.Reader(folder).read("How many times was he shot?", [("Title", "He was shot five times.")])
    (folder / reading.META).write_text(json.dumps({**meta, "onnx": "../elsewhere.onnx"}))
    with pytest.raises(reading.ReaderError, match="unsafe"):
        reading.Reader(folder)


def test_the_answer_is_marked_inside_its_quote(kb):
    answer = kb.ask("how many times was he shot")
    assert answer.found and kb.reader is not None
    marked_quotes = [q for q in answer.quotes if q.answer_start is not None]
    assert marked_quotes, "the reader marks the answer in the quotes that hold it"
    for quote in marked_quotes:
        text = kb.document(quote.doc_id).text
        assert quote.start <= quote.answer_start < quote.answer_end <= quote.end
        assert "five" in text[quote.answer_start : quote.answer_end]
    data = answer_dict(answer)["quotes"][0]
    assert data["answer"] == kb.document(data["doc_id"]).text[data["answer_start"] : data["answer_end"]]
    assert f"**{data['answer']}**" in format_answer(answer)  # no colour: marked with asterisks
    assert f"\x1b[1m{data['answer']}\x1b[0m" in marked(answer.quotes[0], colour=True)
    whole = answer_dict(answer)  # the two outlets compared: in the JSON and above the quotes
    assert whole["agreement"] == "agree" and format_answer(answer).splitlines()[0] == whole["agreement_line"]
    assert {s["source"] for s in whole["agreement_values"][0]} == {"NBC News", "Business Insider"}


def test_a_declined_answer_marks_nothing(kb):
    answer = kb.ask("Who painted the Mona Lisa?")
    assert not answer.found and answer.quotes
    assert all(q.answer_start is None and q.answer_end is None for q in answer.quotes)
    assert "**" not in format_answer(answer)


def test_by_default_stage_5_chooses_and_the_reader_gives_the_confidence(kb):
    assert not kb.reader_decides
    answer = kb.ask("how many times was he shot")
    reader, kb.reader = kb.reader, None
    try:
        stage5 = kb.ask("how many times was he shot")
    finally:
        kb.reader = reader
    assert [q.text for q in answer.quotes] == [q.text for q in stage5.quotes]
    first = answer.quotes[0]
    text = kb.document(first.doc_id).text[first.start : first.end]
    assert answer.confidence == pytest.approx(kb.reader.read("how many times was he shot", [(first.title, text)])[0].probability, abs=1e-6)
    assert not answer.low_confidence and answer.confidence >= kb.reader.threshold


def test_deciding_the_reader_orders_quotes_by_its_probability(kb):
    kb.reader_decides = True
    try:
        for question in ("Who shot him?", "What kind of car did he use to get away?"):
            answer = kb.ask(question)
            scores = [q.score for q in answer.quotes]
            assert scores == sorted(scores, reverse=True) and 0 <= answer.confidence <= 1
            assert answer.found == (answer.confidence >= kb.reader.threshold)
            if answer.found:
                assert answer.confidence == scores[0]
    finally:
        kb.reader_decides = False


def test_candidates_read_at_once_read_as_one_at_a_time_and_in_a_forked_child():
    """A question's candidates are read in parallel, each as a batch of its own: the same readings
    as read in turn, and a child forked after a read (whose pool threads are gone) still reads."""
    reader = reading.shipped()
    candidates = [("Defector", "He was shot five times."), ("Defector", "It rained all week."), ("", "Oh is 25.")]
    together = reader.read("How many times was he shot?", candidates)
    assert together == [reader.read("How many times was he shot?", [c])[0] for c in candidates]
    if not hasattr(os, "fork"):
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's exit code is the check
        os._exit(0 if reader.read("How many times was he shot?", candidates) == together else 3)
    deadline = time.monotonic() + 60
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert done[0] == pid and os.waitstatus_to_exitcode(done[1]) == 0
