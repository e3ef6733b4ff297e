import json

import numpy as np
import pytest

from askdefector.cache.files import text_hash
from askdefector.cache.vectors import VectorCache, embed_with_cache
from askdefector.knowledge import KnowledgeBase
from askdefector.types import Document

from conftest import HashEmbedder

DOCS = [
    Document("a.md", "A", "The soldier ran. Guards fired five times.\n\nHe survived."),
    Document("b.md", "B", "A doctor saved him. He was a broken jar."),
]


def build(docs, cache, embedder):
    return KnowledgeBase.from_documents(docs, cache_dir=cache, embedder=embedder)


def test_second_run_embeds_nothing(tmp_path, hash_embedder):
    first = build(DOCS, tmp_path, hash_embedder)
    assert first.report.embedded > 0
    again = HashEmbedder()
    second = build(DOCS, tmp_path, again)
    assert second.report.embedded == 0 and again.calls == []
    np.testing.assert_array_equal(first.store.columns.passage_vectors, second.store.columns.passage_vectors)


def test_editing_one_article_embeds_only_its_texts(tmp_path, hash_embedder):
    build(DOCS, tmp_path, hash_embedder)
    edited = [DOCS[0], Document("b.md", "B", "A doctor saved him. He lost a lot of blood.")]
    embedder = HashEmbedder()
    kb = build(edited, tmp_path, embedder)
    # passages are embedded under their title ("B: ..."), sentences alone
    assert embedder.calls and all(c.removeprefix("B: ") in edited[1].text for c in embedder.calls)
    assert not any(c.removeprefix("A: ") in DOCS[0].text for c in embedder.calls)
    assert kb.report.embedded == len(embedder.calls)


def test_models_never_share_vectors(tmp_path):
    one, two = HashEmbedder("model-one"), HashEmbedder("model-two")
    kb1 = build(DOCS, tmp_path, one)
    kb2 = build(DOCS, tmp_path, two)
    assert kb2.report.embedded == kb1.report.embedded  # nothing reused across models
    assert kb1.report.cache_dir != kb2.report.cache_dir
    assert not np.allclose(kb1.store.columns.passage_vectors, kb2.store.columns.passage_vectors)
    # and each model still finds its own vectors afterwards
    assert build(DOCS, tmp_path, HashEmbedder("model-one")).report.embedded == 0


def test_vectors_round_trip_exactly(tmp_path, hash_embedder):
    texts = ["one", "two", "three"]
    vectors, embedded = embed_with_cache(texts, hash_embedder, VectorCache(tmp_path, "test-hash"))
    loaded, again = embed_with_cache(texts, hash_embedder, VectorCache(tmp_path, "test-hash"))
    assert (embedded, again) == (3, 0)
    np.testing.assert_array_equal(vectors, loaded)


def test_killed_write_leaves_the_old_cache_valid(tmp_path, hash_embedder, monkeypatch):
    build(DOCS, tmp_path, hash_embedder)
    import askdefector.cache.files as files

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process were interrupted mid-write

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        build([Document("c.md", "C", "Something new entirely.")], tmp_path, HashEmbedder())
    monkeypatch.undo()
    embedder = HashEmbedder()
    kb = build(DOCS, tmp_path, embedder)
    assert kb.report.embedded == 0 and kb.report.warnings == ()
    assert not list(tmp_path.rglob("*.tmp"))


def test_damaged_manifest_is_rebuilt_not_served(tmp_path, hash_embedder):
    kb = build(DOCS, tmp_path, hash_embedder)
    manifest = next(tmp_path.rglob("manifest.json"))
    manifest.write_text("{not json")
    embedder = HashEmbedder()
    again = build(DOCS, tmp_path, embedder)
    assert again.report.embedded == kb.report.embedded
    assert any("damaged" in w for w in again.report.warnings)
    np.testing.assert_array_equal(kb.store.columns.passage_vectors, again.store.columns.passage_vectors)


def test_truncated_shard_is_detected(tmp_path, hash_embedder):
    build(DOCS, tmp_path, hash_embedder)
    shard = next(tmp_path.rglob("shard-*.npy"))
    shard.write_bytes(shard.read_bytes()[:100])
    again = build(DOCS, tmp_path, HashEmbedder())
    assert again.report.embedded > 0
    assert any("damaged" in w or "ignoring" in w for w in again.report.warnings)


def test_shard_names_cannot_escape_the_cache(tmp_path, hash_embedder):
    build(DOCS, tmp_path, hash_embedder)
    manifest = next(tmp_path.rglob("manifest.json"))
    data = json.loads(manifest.read_text())
    data["shards"][0]["file"] = "../../elsewhere.npy"
    manifest.write_text(json.dumps(data))
    cache = VectorCache(tmp_path, "test-hash")
    assert len(cache) == 0 and any("unsafe" in w for w in cache.warnings)


def test_text_hash_depends_on_content_only():
    assert text_hash("a") == text_hash("a") != text_hash("b")


def test_unchanged_articles_are_not_segmented_again(tmp_path, monkeypatch):
    import askdefector.cache.spans as spans_module

    first = build(DOCS, tmp_path, HashEmbedder())
    calls = []
    real = spans_module.document_sentences
    monkeypatch.setattr(spans_module, "document_sentences", lambda doc: calls.append(doc.id) or real(doc))
    edited = [DOCS[0], Document("b.md", "B", "A doctor saved him. He lost blood.")]
    second = build(edited, tmp_path, HashEmbedder())
    assert calls == ["b.md"]  # only the edited article went through the segmenter
    assert [p.text for p in _passages(second) if p.doc_id == "a.md"] == [p.text for p in _passages(first) if p.doc_id == "a.md"]


@pytest.mark.parametrize("content", ["{oops", '{"format": 1, "segmenter": "%s", "docs": {"%s": [[1, 0, 9999]]}}'])
def test_damaged_or_forged_sentence_spans_are_recomputed(tmp_path, content):
    from askdefector.cache.spans import SentenceSpans, segmenter_version

    first = build(DOCS, tmp_path, HashEmbedder())
    if "%s" in content:
        content = content % (segmenter_version(), text_hash(DOCS[0].text))
    (tmp_path / SentenceSpans.FILE).write_text(content)
    again = build(DOCS, tmp_path, HashEmbedder())
    assert [(p.start, p.end) for p in _passages(again)] == [(p.start, p.end) for p in _passages(first)]
    for p in _passages(again):
        assert again.document(p.doc_id).text[p.start : p.end] == p.text


def test_cached_vectors_come_back_in_the_order_asked(tmp_path, hash_embedder):
    texts = ["one", "two", "three", "four"]
    cache = VectorCache(tmp_path, hash_embedder.model_id)
    embed_with_cache(texts, hash_embedder, cache)  # compacted: one shard, in this order
    reopened = VectorCache(tmp_path, hash_embedder.model_id)
    for order in (texts, texts[::-1], texts[1:3]):
        got = reopened.get([text_hash(t) for t in order])
        np.testing.assert_array_equal(got, hash_embedder.encode(order))


def test_opening_says_what_it_does_and_shows_progress_from_the_start(tmp_path, hash_embedder):
    """Many files: 'reading N files', then 'embedding N new texts' and a bar that starts at 0."""
    import askdefector

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(120):
        (corpus / f"{n:03}.txt").write_text(f"Story {n}\n\nThe ferry number {n} leaves at noon. It is late.")
    messages, bar = [], []
    askdefector.open(corpus, tmp_path / "cache", embedder=hash_embedder, notify=messages.append,
                     progress=lambda done, total: bar.append((done, total)))
    assert messages[0] == "reading 120 files ..." and messages[1].startswith("embedding ")
    total = bar[0][1]
    assert bar[0] == (0, total) and bar[-1] == (total, total) and len(bar) > 2
    assert [done for done, _ in bar] == sorted(done for done, _ in bar)
    messages.clear()
    askdefector.open(corpus, tmp_path / "cache", embedder=hash_embedder, notify=messages.append)
    assert messages == []  # nothing to read or embed the second time


def _passages(kb):
    return kb.store.passages(range(kb.report.passages))


def _corpus(folder, texts):
    folder.mkdir(exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text)
    return folder


def test_an_unchanged_corpus_is_answered_from_its_saved_index(tmp_path, monkeypatch):
    """Nothing is split, hashed or gathered again; a changed article is seen at once; a damaged
    saved index is rebuilt, never served; ``verify`` (what `index` does) checks everything."""
    import askdefector
    from askdefector import opening

    folder = _corpus(tmp_path / "corpus", {"a.txt": "Ferry\n\nThe ferry leaves at noon.", "b.txt": "Bridge\n\nThe toll is two dollars."})
    cache = tmp_path / "cache"
    first = askdefector.open(folder, cache, embedder=HashEmbedder())
    builds = []
    real_build = opening.build_index
    monkeypatch.setattr(opening, "build_index", lambda *a, **k: builds.append(1) or real_build(*a, **k))

    again = askdefector.open(folder, cache, embedder=HashEmbedder())
    assert builds == [] and again.ask("When does the ferry leave?") == first.ask("When does the ferry leave?")
    assert again.report.passages == first.report.passages and again.report.embedded == 0

    askdefector.open(folder, cache, embedder=HashEmbedder(), verify=True)
    assert builds == [1]

    (folder / "b.txt").write_text("Bridge\n\nThe toll is three dollars.")
    changed = askdefector.open(folder, cache, embedder=HashEmbedder())
    assert builds == [1, 1] and "three" in changed.document("b.txt").text
    assert "three" in askdefector.open(folder, cache, embedder=HashEmbedder()).document("b.txt").text and builds == [1, 1]

    (texts,) = cache.glob("*/store/columns-*/texts.bin")
    texts.write_bytes(texts.read_bytes()[:-10])  # a damaged saved index: built again, then saved again
    mended = askdefector.open(folder, cache, embedder=HashEmbedder())
    assert builds == [1, 1, 1] and mended.document("b.txt").text.endswith("three dollars.")
    askdefector.open(folder, cache, embedder=HashEmbedder())
    assert builds == [1, 1, 1]


def test_the_library_warns_before_it_waits_for_another_writer(tmp_path):
    """``askdefector.open`` without ``notify`` says why it blocks (the CLI passes a notify)."""
    import threading

    from askdefector.cache.files import write_lock

    held, release = threading.Event(), threading.Event()

    def writer():
        with write_lock(tmp_path):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    held.wait(10)
    threading.Timer(0.2, release.set).start()
    with pytest.warns(RuntimeWarning, match="waiting for another askdefector"):
        with write_lock(tmp_path) as got:
            assert got
    thread.join(10)
