"""Every kind of cache file, damaged every way a hostile tester tried: the next question still
answers right (the damage is reported, never served), and the next `index` repairs it."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from askdefector.cli import main
from conftest import CORPUS

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


# Caches read only while an index is built (spans, BM25), never by a question: `index` rebuilds
# them, but `index --check` does not read them yet.
BUILD_ONLY = {
    "sentence spans swapped between articles", "sentences.json of random bytes", "truncated BM25 array",
    "BM25 vocabulary of random bytes", "sentence terms not JSON",
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
    if damage not in BUILD_ONLY:
        code, out, err = ask(cache, capsys, "index", "--check")
        assert code == 1 and "index" in err, (damage, out, err)

    code, out, err = ask(cache, capsys, "--json", QUESTION)
    assert code == 0, err
    data = json.loads(out)
    first = data["quotes"][0]
    assert data["found"] and "five times" in first["text"], (damage, first["text"], err)
    for quote in data["quotes"]:
        text = kb.document(quote["doc_id"]).text
        assert text[quote["start"] : quote["end"]] == quote["text"]
        assert quote["start"] == 0 or text[quote["start"] - 1].isspace(), f"a quote starts mid-word: {quote['text']}"
    assert "Traceback" not in err
    assert len(err.splitlines()) == len(set(err.splitlines())), f"a warning printed twice: {err}"

    code, out, err = ask(cache, capsys, "index")
    assert code == 0, err
    code, out, err = ask(cache, capsys, "index")  # after the repair: nothing to report, nothing to embed
    assert code == 0 and "embedded 0 new texts" in out
    assert err == "", f"damage left behind after index ({damage}): {err}"
    code, out, err = ask(cache, capsys, "index", "--check")
    assert code == 0 and "every file intact" in out, (damage, err)
