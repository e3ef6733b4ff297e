"""Every kind of cache file, damaged every way a hostile tester tried: the next question still
answers right (the damage is reported, never served), and the next `index` repairs it."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from askdefector.cli import main
from askdefector.corpus import load_corpus
from conftest import CORPUS, HashEmbedder

QUESTION = "how many times was he shot"


def _model_dir(cache):
    return next(p for p in cache.iterdir() if p.is_dir() and (p / "manifest.json").exists())


def _shard(cache):
    return next(_model_dir(cache).glob("shard-*.npy"))


def _lexical(cache):
    return next(cache.glob("lexical-*"))


def truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def wrong_width(cache):
    shard = _shard(cache)
    rows = np.load(shard).shape[0]
    np.save(shard, np.ones((rows, 100), dtype=np.float32))


def nan_shard(cache):
    shard = _shard(cache)
    np.save(shard, np.full(np.load(shard).shape, np.nan, dtype=np.float32))


def _saved(cache, name):
    return next(_model_dir(cache).glob(f"store/columns-*/{name}"))


def replace_bytes(path, old, new):
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new))


def saved_vectors(cache, make):
    path = _saved(cache, "passage_vectors.npy")
    np.save(path, make(np.load(path)))


def swap_spans(cache):
    path = cache / "sentences.json"
    data = json.loads(path.read_text())
    first, second = list(data["docs"])
    data["docs"][first], data["docs"][second] = data["docs"][second], data["docs"][first]
    path.write_text(json.dumps(data))


DAMAGE = {
    "shard of the wrong width": wrong_width,
    "shard full of NaN": nan_shard,
    "truncated shard": lambda cache: truncate(_shard(cache)),
    "manifest of random bytes": lambda cache: (_model_dir(cache) / "manifest.json").write_bytes(os.urandom(300)),
    "sentence spans swapped between articles": swap_spans,
    "sentences.json of random bytes": lambda cache: (cache / "sentences.json").write_bytes(os.urandom(300)),
    "truncated BM25 array": lambda cache: truncate(max(_lexical(cache).glob("*.npy"), key=lambda p: p.stat().st_size)),
    "BM25 vocabulary of random bytes": lambda cache: (_lexical(cache) / "vocab.index.json").write_bytes(os.urandom(300)),
    "sentence terms not JSON": lambda cache: (_lexical(cache) / "terms.json").write_text("[[\"oh\""),
    "truncated ONNX model": lambda cache: truncate(_model_dir(cache) / "onnx" / "model-int8.onnx", 0.3),
    "garbage tokenizer.json": lambda cache: (_model_dir(cache) / "onnx" / "tokenizer.json").write_text("{garbage"),
    "ONNX metadata of random bytes": lambda cache: (_model_dir(cache) / "onnx" / "onnx.json").write_bytes(os.urandom(50)),
    # altered text that still decodes, where the article's text is kept: never quoted
    "corpus.json text altered": lambda cache: replace_bytes(cache / "corpus.json", b"five times", b"nine times"),
    "corpus.json bit flipped": lambda cache: replace_bytes(cache / "corpus.json", b"five times", b"fivd times"),
    "saved index text altered": lambda cache: replace_bytes(_saved(cache, "texts.bin"), b"five times", b"nine times"),
    "saved index vectors of the wrong width": lambda cache: saved_vectors(cache, lambda v: v[:, :100].copy()),
    "saved index vectors NaN": lambda cache: saved_vectors(cache, lambda v: np.full_like(v, np.nan)),
    "saved index checksums missing": lambda cache: _saved(cache, "text_digests.npy").unlink(),
}


def ask(cache, capsys, *args):
    code = main(["--corpus", str(CORPUS), "--cache", str(cache), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow
@pytest.mark.parametrize("damage", DAMAGE)
def test_damage_is_never_served_and_index_repairs_it(damage, kb, kb_cache, tmp_path, capsys):
    cache = tmp_path / "cache"
    shutil.copytree(kb_cache, cache)
    DAMAGE[damage](cache)
    code, out, err = ask(cache, capsys, "index", "--check")
    assert code == 1 and "run askdefector index" in err, (damage, out, err)

    code, out, asked_err = ask(cache, capsys, "--json", QUESTION)
    assert code == 0, asked_err
    data = json.loads(out)
    first = data["quotes"][0]
    assert data["found"] and "five times" in first["text"], (damage, first["text"], err)
    for quote in data["quotes"]:
        text = kb.document(quote["doc_id"]).text
        assert text[quote["start"] : quote["end"]] == quote["text"]
        assert quote["start"] == 0 or text[quote["start"] - 1].isspace(), f"a quote starts mid-word: {quote['text']}"
    assert "Traceback" not in asked_err
    assert len(asked_err.splitlines()) == len(set(asked_err.splitlines())), f"a warning printed twice: {asked_err}"

    code, out, err = ask(cache, capsys, "index")
    assert code == 0, err
    assert (asked_err + err).strip(), f"the repair of {damage} went unsaid"
    code, out, err = ask(cache, capsys, "index")  # after the repair: nothing to report, nothing to embed
    assert code == 0 and "embedded 0 new texts" in out
    assert err == "", f"damage left behind after index ({damage}): {err}"
    code, out, err = ask(cache, capsys, "index", "--check")
    assert code == 0 and "every file intact" in out, (damage, err)


# The same damage in both places a version of the store lives: a store folder (`--store DIR`,
# answered without reading any corpus) and the index saved in the cache beside a corpus. Three
# short articles and the hash embedder: the model isn't the point here.
ARTICLES = {
    "ferry.txt": "Ferry news\n\nThe harbour ferry leaves at noon every day. It crosses the bay in forty minutes.\n",
    "bridge.txt": "Bridge news\n\nThe new bridge opened in March. Cars pay a toll of two dollars.\n",
    "train.txt": "Train news\n\nThe night train to the capital was cancelled. Its drivers are on strike.\n",
}
FERRY_QUESTION = "When does the harbour ferry leave?"


def _flip_bit(path, inside):
    data = bytearray(path.read_bytes())
    data[data.index(inside)] ^= 0x01
    path.write_bytes(bytes(data))


def _nan_rows_of(version, doc_id):
    """NaN in the sentence vectors of one article only: the others stay answerable."""
    row = [d[0] for d in json.loads((version / "documents.json").read_text())].index(doc_id)
    rows = np.load(version / "sentence_rows.npy")
    vectors = np.load(version / "sentence_vectors.npy")
    vectors[rows[:, 0] == row] = np.nan
    np.save(version / "sentence_vectors.npy", vectors)


def _point_outside(root, version):
    outside = root.parent / "outside"
    shutil.copytree(version, outside / version.name)
    pointer = json.loads((root / "store.json").read_text())
    (root / "store.json").write_text(json.dumps({**pointer, "columns": f"../outside/{version.name}"}))


# damage -> (what it does to the version folder; the article it spoils, or None when it spoils the store whole)
VERSION_DAMAGE = {
    "altered text that still decodes": (lambda root, v: replace_bytes(v / "texts.bin", b"noon", b"nine"), "ferry.txt"),
    "one bit flipped in a text": (lambda root, v: _flip_bit(v / "texts.bin", b"noon"), "ferry.txt"),
    "invalid UTF-8 in a text": (lambda root, v: replace_bytes(v / "texts.bin", b"noon", b"\xff\xfeon"), "ferry.txt"),
    "NaN in one article's vectors": (lambda root, v: _nan_rows_of(v, "bridge.txt"), "bridge.txt"),
    "truncated texts": (lambda root, v: truncate(v / "texts.bin", 0.9), None),
    "vectors of the wrong width": (lambda root, v: np.save(v / "passage_vectors.npy", np.ones((3, 5), np.float32)), None),
    "truncated vectors": (lambda root, v: truncate(v / "sentence_vectors.npy", 0.7), None),
    "checksums missing": (lambda root, v: (v / "text_digests.npy").unlink(), None),
    "columns.json missing": (lambda root, v: (v / "columns.json").unlink(), None),
    "store.json names a folder outside the store": (_point_outside, None),
}


@pytest.fixture(params=["store folder", "big store folder", "saved index", "big saved index"])
def place(request, tmp_path, monkeypatch):
    """(the arguments that ask a question there, those that index there, the store's root, the
    articles' texts as read from their files (what every quote must be part of), and the place's
    name). A big store checks texts and vectors as it reads them, not whole at open."""
    if request.param.startswith("big"):
        from askdefector import vector_index
        from askdefector.stores import folder

        monkeypatch.setattr(vector_index, "ANN_ABOVE", 0)
        monkeypatch.setattr(folder, "ANN_ABOVE", 0)
    corpus = tmp_path / "articles"
    corpus.mkdir()
    for name, text in ARTICLES.items():
        (corpus / name).write_text(text)
    sources = {d.id: d.text for d in load_corpus(corpus).documents}
    if request.param.endswith("store folder"):
        root = tmp_path / "store"
        return ["--store", str(root)], ["--corpus", str(corpus), "--store", str(root)], root, sources, request.param
    cache = tmp_path / "cache"
    args = ["--corpus", str(corpus), "--cache", str(cache)]
    return args, args, lambda: next(cache.glob("*/store")), sources, request.param


def run(capsys, *argv):
    code = main(list(argv), embedder=HashEmbedder())
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.mark.parametrize("damage", VERSION_DAMAGE)
def test_a_damaged_store_version_is_never_quoted_and_index_mends_it(damage, place, capsys):
    asking, indexing, root, sources, kind = place
    assert run(capsys, *indexing, "index")[0] == 0
    root = root() if callable(root) else root
    before = json.loads(run(capsys, *asking, "--json", FERRY_QUESTION)[1])
    assert before["found"] and "noon" in before["quotes"][0]["text"]
    damage_version, spoiled = VERSION_DAMAGE[damage]
    damage_version(root, root / json.loads((root / "store.json").read_text())["columns"])

    code, out, err = run(capsys, *indexing, "index", "--check")
    assert code == 1 and "run askdefector index" in err, (damage, err)
    code, out, err = run(capsys, *asking, "--json", FERRY_QUESTION)
    seen_at_open = kind == "saved index" or spoiled is None  # a big store checks one article as it reads it
    if kind.endswith("saved index") and seen_at_open:  # the corpus is there: built again from it, unharmed
        assert code == 0 and json.loads(out)["quotes"] == before["quotes"], (damage, out, err)
    elif spoiled is None:  # nothing of it can be trusted: refused, saying what to do
        assert code == 1 and len(err.splitlines()) == 1 and "index" in err, (damage, err)
    else:  # answered from the intact articles, with a note of what was left out
        assert code == 0 and spoiled in err and "run askdefector index" in err, (damage, err)
        for quote in json.loads(out)["quotes"]:
            assert quote["doc_id"] != spoiled
            assert sources[quote["doc_id"]][quote["start"] : quote["end"]] == quote["text"]

    code, out, err = run(capsys, *indexing, "index")
    assert code == 0, (damage, err)
    assert kind.endswith("saved index") or "damaged" in err, f"index said nothing of what it mended ({damage}): {err}"
    assert run(capsys, *indexing, "index", "--check")[0] == 0
    code, out, err = run(capsys, *asking, "--json", FERRY_QUESTION)
    assert code == 0 and err == "" and json.loads(out)["quotes"] == before["quotes"], (damage, err)


@pytest.mark.slow
def test_damage_in_and_beside_a_postgresql_store_is_found_and_mended(postgres_server, kb, kb_cache, tmp_path, capsys):
    """What a PostgreSQL store keeps in files, the question encoder's ONNX export: damaged, it is
    reported, never loaded, and made again. A row altered in the database no longer matches its
    content hash: `index --check` names it and `index` writes it again from its file."""
    import psycopg
    from postgres_server import new_database

    cache = tmp_path / "cache"
    shutil.copytree(kb_cache, cache)
    url = new_database(postgres_server)
    store = ("--store", url)
    assert ask(cache, capsys, *store, "index")[0] == 0
    DAMAGE["truncated ONNX model"](cache)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE documents SET text = replace(text, 'five times', 'nine times')")
    code, out, err = ask(cache, capsys, *store, "index", "--check")
    assert code == 1 and "ONNX export is damaged" in err and "does not match its content hash" in err, err
    code, out, err = ask(cache, capsys, *store, "--json", QUESTION)
    assert code == 0 and "ONNX export was damaged" in err and "Traceback" not in err
    code, out, err = ask(cache, capsys, *store, "index")
    assert code == 0 and "written again from its file" in err, err
    assert ask(cache, capsys, *store, "index", "--check")[0] == 0
    code, out, err = ask(cache, capsys, *store, "--json", QUESTION)
    assert code == 0 and err == "" and "five times" in json.loads(out)["quotes"][0]["text"]
