"""Both stores behind the same seam: re-indexing, stable ids, and (PostgreSQL) many writers and
readers, failed writes and schema migrations, against a real server the tests start."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import psycopg
import pytest
from conftest import CORPUS, ROOT, HashEmbedder

import askdefector
from askdefector.stores import postgres
from askdefector.types import Document

FERRY = "Ferry news\n\nThe harbour ferry leaves at noon every day. It crosses the bay in forty minutes.\n"
BRIDGE = "Bridge news\n\nThe new bridge opened in March. Cars pay a toll of two dollars.\n"
TRAIN = "Train news\n\nThe night train to the capital was cancelled. Its drivers are on strike.\n"


@pytest.fixture(params=["local", "folder", "postgresql"])
def opener(request, tmp_path):
    """Opens a corpus folder on one store: files beside it, a store folder, or a new PostgreSQL
    database per test (both stores pruned to the folder, as the files beside it are)."""
    url = {"local": None, "folder": str(tmp_path / "store")}.get(request.param) or request.getfixturevalue("postgres_url")
    opened: list[askdefector.KnowledgeBase] = []

    def open_folder(folder: Path, embedder: HashEmbedder, **options) -> askdefector.KnowledgeBase:
        if url:
            options.setdefault("prune", True)
        kb = askdefector.open(folder, cache_dir=tmp_path / "cache", embedder=embedder, store=url, **options)
        opened.append(kb)
        return kb

    yield open_folder
    for kb in opened:
        if hasattr(kb.store, "close"):
            kb.store.close()


def _folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def _stored_texts(kb: askdefector.KnowledgeBase) -> dict[str, str]:
    found = {}
    for doc_id in ("ferry.txt", "bridge.txt", "train.txt"):
        doc = kb.document(doc_id)
        if doc is not None:
            found[doc_id] = doc.text
    return found


def test_reindexing_stores_changed_and_new_articles_and_embeds_only_their_new_texts(opener, tmp_path):
    folder = _folder(tmp_path / "corpus", {"ferry.txt": FERRY, "bridge.txt": BRIDGE})
    first = opener(folder, HashEmbedder())
    assert first.report.documents == 2 and "leaves at noon" in first.search("ferry", k=1)[0].text

    (folder / "bridge.txt").write_text(BRIDGE.replace("two dollars", "three dollars"))
    (folder / "train.txt").write_text(TRAIN)
    (folder / "ferry.txt").unlink()
    embedder = HashEmbedder()
    second = opener(folder, embedder)
    stored = _stored_texts(second)
    assert set(stored) == {"bridge.txt", "train.txt"} and "three dollars" in stored["bridge.txt"]
    assert second.report.documents == 2
    # Only texts never embedded before reach the model: the changed sentence, its passage, the new article.
    assert not any("leaves at noon" in t or t == "The new bridge opened in March." for t in embedder.calls)
    assert any("three dollars" in t for t in embedder.calls) and any("night train" in t for t in embedder.calls)
    hit = second.search("How much is the toll?", k=1)[0]
    assert "three dollars" in hit.text and second.document(hit.doc_id).text[hit.start : hit.end] == hit.text
    assert all(h.doc_id != "ferry.txt" for h in second.search("harbour ferry noon", k=5))


def test_a_quote_names_a_passage_that_can_be_looked_up_by_its_stable_id(opener, tmp_path):
    folder = _folder(tmp_path / "corpus", {"ferry.txt": FERRY, "bridge.txt": BRIDGE})
    kb = opener(folder, HashEmbedder())
    quote = kb.ask("When does the ferry leave?").quotes[0]
    passage = kb.passage(quote.passage)
    assert passage is not None and passage.doc_id == quote.doc_id and quote.text in passage.text
    (folder / "train.txt").write_text(TRAIN)  # another article indexed: the id still names the same passage
    again = opener(folder, HashEmbedder())
    assert again.passage(quote.passage) == passage
    assert again.passage("nowhere.txt#0") is None and again.passage("no id") is None


# -- PostgreSQL only: many writers and readers --------------------------------------------------


def _documents(*names: str) -> list[Document]:
    texts = {"ferry": FERRY, "bridge": BRIDGE, "train": TRAIN}
    return [Document(f"{n}.txt", n.title(), texts[n].split("\n\n", 1)[1]) for n in names]


def _consistent(url: str) -> None:
    """Every stored article is whole and the counters BM25 reads agree with the rows."""
    with psycopg.connect(url) as conn:
        totals = conn.execute("SELECT documents, passages, sentences, passage_length FROM totals").fetchone()
        actual = conn.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM passages), (SELECT count(*) FROM sentences),"
            " (SELECT coalesce(sum(length), 0) FROM passages)"
        ).fetchone()
        assert totals == actual
        assert conn.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.doc_id = d.id)").fetchone()[0] == 0
        wrong = conn.execute(
            "SELECT count(*) FROM terms t WHERE passages <> (SELECT count(*) FROM postings p WHERE p.term = t.term)"
            " OR sentences <> (SELECT count(*) FROM sentences s WHERE t.term = ANY(s.terms))"
        ).fetchone()[0]
        assert wrong == 0


def test_a_question_during_a_reindex_reads_one_version(postgres_url):
    store = postgres.PostgresStore(postgres_url, "test-hash", dimension=8)
    try:
        store.add(_documents("ferry"), HashEmbedder())
        with store.reading() as reader:
            before = reader.document("ferry.txt").text
            changed = Document("ferry.txt", "Ferry", "The harbour ferry now leaves at one o'clock. It is slower.")
            store.add([changed, *_documents("train")], HashEmbedder())  # committed while the question reads
            assert reader.document("ferry.txt").text == before
            assert reader.size().documents == 1
            records = reader.sentences(range(0, 10_000))
            assert all(before[r.start : r.end] == r.text for r in records.values())
        with store.reading() as reader:
            assert reader.document("ferry.txt").text == changed.text and reader.size().documents == 2
    finally:
        store.close()


def test_a_failed_write_leaves_no_part_of_its_article(postgres_url, monkeypatch):
    store = postgres.PostgresStore(postgres_url, "test-hash", dimension=8)
    try:
        store.add(_documents("ferry"), HashEmbedder())
        real = postgres._copy_rows

        def fail_after_rows(*args, **kwargs):  # the article, its sentences, passages and postings are written
            real(*args, **kwargs)
            raise RuntimeError("writer killed")

        monkeypatch.setattr(postgres, "_copy_rows", fail_after_rows)
        with pytest.raises(RuntimeError, match="writer killed"):
            store.add(_documents("train"), HashEmbedder())
        monkeypatch.undo()
        with store.reading() as reader:
            assert reader.size().documents == 1
            with pytest.raises(KeyError):
                reader.document("train.txt")
        _consistent(postgres_url)
    finally:
        store.close()


def test_concurrent_writers_store_each_article_once(postgres_url):
    store = postgres.PostgresStore(postgres_url, "test-hash", dimension=8)
    batches = [_documents("ferry", "bridge"), _documents("bridge", "train"), _documents("train", "ferry", "bridge")]
    errors: list[BaseException] = []

    def write(documents):
        try:
            store.add(documents, HashEmbedder())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(b,)) for b in batches * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    store.close()
    assert not errors
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT content_hash) FROM documents").fetchone() == (3, 3)
    _consistent(postgres_url)


@pytest.mark.slow
def test_two_index_processes_on_overlapping_folders_end_with_each_article_once(postgres_url, tmp_path):
    """Two `askdefector index --store` processes at once, sharing one article of three."""
    folders = [
        _folder(tmp_path / "one", {"ferry.txt": FERRY, "bridge.txt": BRIDGE}),
        _folder(tmp_path / "two", {"bridge.txt": BRIDGE, "train.txt": TRAIN}),
    ]
    script = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[3])
        from conftest import HashEmbedder
        from askdefector.cli import main
        sys.exit(main(["index", "--store", sys.argv[1], "--corpus", sys.argv[2], "--cache", sys.argv[2] + "-cache"], embedder=HashEmbedder()))
        """
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script, postgres_url, str(f), str(ROOT / "tests")], stderr=subprocess.PIPE, text=True)
        for f in folders
    ]
    for run in runs:
        assert run.wait(timeout=120) == 0, run.stderr.read()
    with psycopg.connect(postgres_url) as conn:
        ids = sorted(i for (i,) in conn.execute("SELECT id FROM documents"))
    assert ids == ["bridge.txt", "ferry.txt", "train.txt"]
    _consistent(postgres_url)


@pytest.mark.slow
def test_a_writer_killed_mid_index_leaves_whole_articles_only(postgres_url, tmp_path):
    """SIGKILL while a slow embedder indexes 40 articles: what was committed is whole, the rest absent."""
    script = textwrap.dedent(
        """
        import sys, time
        sys.path.insert(0, sys.argv[2])
        from conftest import HashEmbedder
        from askdefector.stores.postgres import PostgresStore
        from askdefector.types import Document

        class Slow(HashEmbedder):
            def encode(self, texts, batch_size=64):
                time.sleep(0.25)  # 40 articles take 10 s or more: the kill lands well before the end
                return super().encode(texts, batch_size)

        docs = [Document(f"{i}.txt", f"Story {i}", f"Story {i} begins here. It has a middle. It ends on day {i}.") for i in range(40)]
        store = PostgresStore(sys.argv[1], "test-hash", dimension=8)
        print("started", flush=True)
        store.add(docs, Slow(), batch_texts=4)
        """
    )
    run = subprocess.Popen([sys.executable, "-c", script, postgres_url, str(ROOT / "tests")], stdout=subprocess.PIPE, text=True)
    assert run.stdout.readline().strip() == "started"
    deadline = time.monotonic() + 60
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        while conn.execute("SELECT count(*) FROM documents").fetchone()[0] < 3:
            assert time.monotonic() < deadline and run.poll() is None
            time.sleep(0.05)
    run.kill()
    run.wait(timeout=30)
    with psycopg.connect(postgres_url) as conn:
        stored = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert 3 <= stored < 40
    _consistent(postgres_url)


# -- PostgreSQL only: the schema ----------------------------------------------------------------


def test_an_older_schema_is_migrated_on_open_and_keeps_its_articles(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:  # a store as version 1 made it
        conn.execute("CREATE TABLE askdefector_migrations (version int PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())")
        conn.execute(postgres.MIGRATIONS[1].format(dimension=8))
        for key, value in {"model": "test-hash", "dimension": "8", "stopwords": '["the", "a"]'}.items():
            conn.execute("INSERT INTO askdefector_meta VALUES (%s, %s)", (key, value))
        conn.execute("INSERT INTO askdefector_migrations (version) VALUES (1)")
    store = postgres.PostgresStore(postgres_url, "test-hash")
    try:
        store.add(_documents("ferry"), HashEmbedder())
        with psycopg.connect(postgres_url) as conn:
            versions = [v for (v,) in conn.execute("SELECT version FROM askdefector_migrations ORDER BY version")]
            indexes = {n for (n,) in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename IN ('passages', 'sentences')")}
        assert versions == sorted(postgres.MIGRATIONS) and {"passages_embedding", "sentences_embedding"} <= indexes
        with store.reading() as reader:
            assert reader.size().documents == 1
    finally:
        store.close()


def test_a_newer_schema_or_another_model_is_refused_with_a_clear_message(postgres_url):
    postgres.PostgresStore(postgres_url, "test-hash", dimension=8).close()
    with pytest.raises(postgres.StoreError, match="holds vectors of model 'test-hash'"):
        postgres.PostgresStore(postgres_url, "other-model", dimension=8)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("INSERT INTO askdefector_migrations (version) VALUES (%s)", (postgres.SCHEMA_VERSION + 1,))
    with pytest.raises(postgres.StoreError, match="upgrade"):
        postgres.PostgresStore(postgres_url, "test-hash")


def test_an_empty_database_is_not_answered_from(postgres_url):
    with pytest.raises(postgres.StoreError, match="index articles into it first"):
        askdefector.open(None, embedder=HashEmbedder(), store=postgres_url)


# -- the command line on a PostgreSQL store ------------------------------------------------------


@pytest.fixture(params=["folder", "postgresql"])
def store_target(request, tmp_path) -> str:
    """Where a store of its own lives: a folder, or a new PostgreSQL database."""
    return str(tmp_path / "store") if request.param == "folder" else request.getfixturevalue("postgres_url")


def test_cli_indexes_a_folder_into_the_store_and_answers_from_it(store_target, tmp_path, capsys, monkeypatch):
    from askdefector.cli import main

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "ferry.txt").write_text(FERRY)
    cache = str(tmp_path / "cache")
    assert main(["index", "--store", store_target, "--corpus", str(folder), "--cache", cache], embedder=HashEmbedder()) == 0
    out = capsys.readouterr().out
    assert "1 documents" in out and f"store: {store_target}" in out
    monkeypatch.setenv("ASKDEFECTOR_STORE", store_target)
    empty = tmp_path / "elsewhere"  # asking never adds a folder to a shared store
    empty.mkdir()
    assert main(["ferry", "noon", "--json", "--corpus", str(empty), "--cache", cache], embedder=HashEmbedder()) == 0
    assert '"doc_id": "ferry.txt"' in capsys.readouterr().out
    assert main(["ferry", "--prune", "--cache", cache], embedder=HashEmbedder()) == 2
    assert "--prune only goes with" in capsys.readouterr().err


def test_a_folder_of_unreadable_files_is_refused_before_it_can_prune_the_store(store_target, tmp_path):
    options = {"cache_dir": tmp_path / "cache", "embedder": HashEmbedder(), "store": store_target}
    askdefector.open(_folder(tmp_path / "corpus", {"ferry.txt": FERRY}), **options).close()
    unreadable = _folder(tmp_path / "unreadable", {"empty.txt": ""})
    with pytest.raises(askdefector.CorpusError, match="no readable articles"):
        askdefector.open(unreadable, prune=True, **options)
    with askdefector.open(None, **options) as kb:
        assert kb.report.documents == 1


def test_the_api_serves_answers_from_a_postgresql_store(postgres_kb):
    from starlette.testclient import TestClient

    from askdefector.server import create_app

    with TestClient(create_app(postgres_kb, corpus="PostgreSQL store", store="postgresql")) as client:
        assert client.get("/api/health").json()["store"] == "postgresql"
        answer = client.post("/api/ask", json={"question": "How many times was he shot?"}).json()
        quote = answer["quotes"][0]
        document = client.get(f"/api/documents/{quote['doc_id']}").json()
        assert answer["found"] and "five" in quote["text"]
        assert document["text"][quote["start"] : quote["end"]] == quote["text"]


def test_a_large_postgresql_store_answers_alike_through_its_hnsw_indexes(postgres_kb, monkeypatch):
    """Above EXACT_UP_TO passages the candidates come from HNSW and BM25's top: same answers here."""
    from gold import ANSWERABLE

    questions = [q for q, _ in ANSWERABLE[:10]]
    exact = [postgres_kb.ask(q) for q in questions]
    monkeypatch.setattr(postgres, "EXACT_UP_TO", 0)
    with postgres_kb.store.reading() as reader:
        found = reader.candidates(postgres_kb.embed_question(questions[0]), ["shot"], depth=5)
        assert 0 < len(found.passages) < reader.size().passages  # a few nearest, not every passage
    approximate = [postgres_kb.ask(q) for q in questions]
    assert [a.quotes[0].text for a in approximate] == [a.quotes[0].text for a in exact]


# -- The store folder: the local store in a folder of its own ------------------------------------


def test_a_store_folder_answers_the_gold_questions_as_the_corpus_folder_does(kb, tmp_path):
    """Saved, mapped back and asked without any corpus folder: the same quotes and scores."""
    from gold import ANSWERABLE, UNANSWERABLE
    from gold_blind import ANSWERABLE as BLIND, UNANSWERABLE as BLIND_UNANSWERABLE

    askdefector.open(CORPUS, embedder=kb.embedder, store=tmp_path / "store").close()
    stored = askdefector.open(None, embedder=kb.embedder, store=tmp_path / "store")
    assert stored.report.documents == kb.report.documents and stored.report.passages == kb.report.passages
    questions = [q for q, *_ in ANSWERABLE + BLIND] + list(UNANSWERABLE) + list(BLIND_UNANSWERABLE)
    for question in questions:
        ours, theirs = stored.ask(question), kb.ask(question)
        assert ours.found == theirs.found and ours.quotes == theirs.quotes, question
        assert ours.confidence == pytest.approx(theirs.confidence, abs=1e-5)
    for quote in stored.ask("How many times was he shot?").quotes:
        assert stored.document(quote.doc_id).text[quote.start : quote.end] == quote.text


def test_a_reader_keeps_its_version_while_a_writer_replaces_it(tmp_path):
    store = tmp_path / "store"
    options = {"embedder": HashEmbedder(), "store": store}
    askdefector.open(_folder(tmp_path / "a", {"ferry.txt": FERRY}), **options)
    reader = askdefector.open(None, **options)
    changed = _folder(tmp_path / "b", {"ferry.txt": FERRY.replace("noon", "dusk"), "train.txt": TRAIN})
    writer = askdefector.open(changed, prune=True, **options)
    assert writer.report.documents == 2 and "dusk" in writer.document("ferry.txt").text
    assert reader.report.documents == 1 and "noon" in reader.ask("When does the ferry leave?").quotes[0].text
    assert reader.document("train.txt") is None
    assert len(list(store.glob("columns-*"))) == 1  # the old version's files are gone from the folder
    added = askdefector.open(_folder(tmp_path / "c", {"bridge.txt": BRIDGE}), **options)  # no prune: added beside
    assert added.report.documents == 3 and added.report.embedded > 0


def test_a_damaged_store_folder_is_refused_by_name_and_mended_by_indexing_again(tmp_path):
    from askdefector.stores import StoreError

    store = tmp_path / "store"
    folder = _folder(tmp_path / "corpus", {"ferry.txt": FERRY, "bridge.txt": BRIDGE})
    askdefector.open(folder, embedder=HashEmbedder(), store=store)
    (vectors,) = store.glob("columns-*/sentence_vectors.npy")
    vectors.write_bytes(vectors.read_bytes()[:-64])
    with pytest.raises(StoreError, match="damaged"):
        askdefector.open(None, embedder=HashEmbedder(), store=store)
    mended = askdefector.open(folder, embedder=HashEmbedder(), store=store)
    assert mended.report.documents == 2 and any("damaged" in w for w in mended.report.warnings)
    assert "noon" in askdefector.open(None, embedder=HashEmbedder(), store=store).ask("When does the ferry leave?").quotes[0].text
    with pytest.raises(StoreError, match="holds vectors of model 'test-hash', not 'other'"):
        askdefector.open(None, embedder=HashEmbedder("other"), store=store)
    with pytest.raises(StoreError, match="holds no askdefector store"):
        askdefector.open(None, embedder=HashEmbedder(), store=tmp_path / "nowhere")
    pointer = json.loads((store / "store.json").read_text())
    (outside,) = store.glob("columns-*")
    shutil.copytree(outside, tmp_path / "outside" / outside.name)
    for elsewhere in (f"../outside/{outside.name}", str(tmp_path / "outside" / outside.name)):
        (store / "store.json").write_text(json.dumps({**pointer, "columns": elsewhere}))
        with pytest.raises(StoreError, match="outside it"):
            askdefector.open(None, embedder=HashEmbedder(), store=store)


def test_an_altered_text_in_a_store_folder_is_never_quoted(tmp_path, monkeypatch):
    """A text that still decodes but is not what was indexed is left out of every answer, with a
    note once: a small store finds it when it opens, a big one when a question first reads it."""
    from askdefector import vector_index
    from askdefector.stores import folder

    monkeypatch.setattr(vector_index, "ANN_ABOVE", 0)  # written and read as a big store
    monkeypatch.setattr(folder, "ANN_ABOVE", 0)
    store = tmp_path / "store"
    articles = _folder(tmp_path / "corpus", {"ferry.txt": FERRY, "bridge.txt": BRIDGE})
    askdefector.open(articles, embedder=HashEmbedder(), store=store)
    (texts,) = store.glob("columns-*/texts.bin")
    texts.write_bytes(texts.read_bytes().replace(b"noon", b"nine"))
    big = askdefector.open(None, embedder=HashEmbedder(), store=store)  # no whole check at open
    assert big.report.warnings == ()
    first, again = big.ask("When does the ferry leave?"), big.ask("When does the ferry leave?")
    assert "ferry.txt does not match its checksum" in first.note and "run askdefector index" in first.note
    assert again.note == ""  # said once
    assert all(q.doc_id == "bridge.txt" for q in first.quotes + again.quotes)
    from askdefector.check import check_store  # `index --check --store`: every text, even in a big store

    assert any("ferry.txt does not match its checksum" in p for p in check_store(store, "test-hash"))
    kept, _, warnings = folder._stored(store, "test-hash")  # what the next `index --store` keeps
    assert [d.id for d in kept] == ["bridge.txt"] and "damaged text or vectors of ferry.txt" in warnings[0]
    monkeypatch.undo()  # the same folder as a small store: checked whole when opened
    small = askdefector.open(None, embedder=HashEmbedder(), store=store)
    assert any("damaged text or vectors of ferry.txt" in w for w in small.report.warnings)
    assert all(q.doc_id == "bridge.txt" for q in small.ask("When does the ferry leave?").quotes)


def test_a_big_store_folders_vector_index_is_checked_by_index_and_rebuilt(tmp_path, monkeypatch, capsys):
    """A big store's vector index (nearest.faiss) is only mapped when a question opens it;
    `index --check` reads it against its checksum, and `index` builds it again and says so."""
    from askdefector import vector_index
    from askdefector.cli import main
    from askdefector.stores import folder

    monkeypatch.setattr(vector_index, "ANN_ABOVE", 0)
    monkeypatch.setattr(folder, "ANN_ABOVE", 0)
    store = tmp_path / "store"
    args = ["--corpus", str(_folder(tmp_path / "corpus", {"ferry.txt": FERRY, "bridge.txt": BRIDGE})), "--store", str(store)]
    assert main([*args, "index"], embedder=HashEmbedder()) == 0
    before = askdefector.open(None, embedder=HashEmbedder(), store=store).ask("When does the ferry leave?").quotes
    (nearest,) = store.glob("columns-*/nearest.faiss")
    data = bytearray(nearest.read_bytes())
    data[-8] ^= 0xFF
    nearest.write_bytes(bytes(data))
    capsys.readouterr()
    assert main([*args, "index", "--check"], embedder=HashEmbedder()) == 1
    assert "nearest.faiss fails its checksum" in capsys.readouterr().err
    assert main([*args, "index"], embedder=HashEmbedder()) == 0
    assert "damaged vector index (nearest.faiss fails its checksum): built again" in capsys.readouterr().err
    assert main([*args, "index", "--check"], embedder=HashEmbedder()) == 0
    after = askdefector.open(None, embedder=HashEmbedder(), store=store).ask("When does the ferry leave?").quotes
    assert [q.text for q in after] == [q.text for q in before]


def test_a_large_store_folder_reads_its_vectors_by_row_and_answers_alike(kb, tmp_path, monkeypatch):
    import numpy as np
    from gold import ANSWERABLE

    from askdefector import vector_index
    from askdefector.stores import StoreError, folder
    from askdefector.stores.columns import RowFile

    monkeypatch.setattr(vector_index, "ANN_ABOVE", 10)  # the shipped 29 passages count as a big store
    monkeypatch.setattr(folder, "ANN_ABOVE", 10)
    large = askdefector.open(CORPUS, embedder=kb.embedder, store=tmp_path / "store")
    vectors = large.store.columns.sentence_vectors
    assert isinstance(vectors, RowFile) and large.store.nearest.kind == "approximate"
    (saved,) = (tmp_path / "store").glob("columns-*/sentence_vectors.npy")
    np.testing.assert_array_equal(vectors[[7, 0, 3]], np.load(saved)[[7, 0, 3]])
    for question, _ in ANSWERABLE:
        assert [q.text for q in large.ask(question).quotes] == [q.text for q in kb.ask(question).quotes]
    saved.write_bytes(saved.read_bytes()[:-1536])
    with pytest.raises(StoreError, match="shorter than its header says"):
        askdefector.open(None, embedder=kb.embedder, store=tmp_path / "store")


def test_a_damaged_version_is_rebuilt_from_its_intact_articles_not_only_the_folder_indexed(tmp_path):
    """Losing columns.json (or any file but the texts and their checksums) and indexing another
    folder keeps the first folder's articles."""
    store = tmp_path / "store"
    first = _folder(tmp_path / "first", {"ferry.txt": FERRY, "bridge.txt": BRIDGE})
    second = _folder(tmp_path / "second", {"train.txt": TRAIN})
    askdefector.open(first, embedder=HashEmbedder(), store=store)
    (columns_json,) = store.glob("columns-*/columns.json")
    columns_json.unlink()
    added = askdefector.open(second, embedder=HashEmbedder(), store=store)
    assert any("rebuilt from its 2 intact articles" in w for w in added.report.warnings)
    assert added.report.documents == 3
    assert "noon" in added.ask("When does the ferry leave?").quotes[0].text
