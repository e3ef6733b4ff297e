"""``askdefector index --check``: verify every file an index is answered from, writing nothing,
and say what is damaged or out of date, one line each (for a cron job; ``index`` repairs)."""

from __future__ import annotations

import os
from pathlib import Path

from .cache.vectors import model_folder_name
from .corpus import load_corpus
from .corpus_cache import CorpusRecords
from .embeddings import DEFAULT_MODEL, Embedder, make_embedder
from .indexing import IndexOutOfDate
from .opening import default_cache_dir, postgres_cache_dir
from .opening import open as open_kb
from .stores import StoreError, folder
from .stores.postgres import is_url

FIX = "run askdefector index"


def check(
    corpus_dir: str | os.PathLike[str] | None,
    cache_dir: str | os.PathLike[str] | None = None,
    model: str = DEFAULT_MODEL,
    embedder: Embedder | None = None,
    store: str | os.PathLike[str] | None = None,
) -> list[str]:
    """What is wrong with the index of ``corpus_dir`` (or the store folder ``store``); empty when
    every file is intact and up to date. Nothing is written."""
    embedder = embedder or make_embedder(model)
    if store is not None and is_url(store):
        return check_postgres(str(store), cache_dir, embedder)
    if store is not None:
        return check_store(Path(store).expanduser(), embedder.model_id)
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir(corpus_dir)
    records = CorpusRecords(cache_dir)
    corpus = load_corpus(corpus_dir, records=records)
    problems = [f"{path}: {note}: {FIX}" for path, note in records.damage_notes()]
    try:
        kb = open_kb(corpus_dir, cache_dir, embedder=embedder, read_only=True, verify=True)
        problems += [f"{w}: {FIX}" for w in kb.report.warnings if f"{w}: {FIX}" not in problems]
    except IndexOutOfDate as exc:
        problems.append(f"{exc}: {FIX}")
    snapshot = cache_dir / model_folder_name(embedder.model_id) / "store"
    if folder.is_store(snapshot):
        problems += check_store(snapshot, embedder.model_id, folder.articles_hash(corpus.documents))
    return problems


def check_store(root: Path, model_id: str, content: str | None = None) -> list[str]:
    """What is wrong with the store folder ``root``: every text against its checksum, every
    vector and the vector index, even in a store too big to check whole when it is opened."""
    try:
        store, params = folder._open(root, model_id)
    except StoreError as exc:
        return [str(exc)]
    problems = [f"{p}: {FIX}" for p in folder.damage(root, store, model_id, params)]
    if content is not None and params.get("content") != content:
        problems.append(f"{root}: the saved index is of other articles than the folder holds now: {FIX}")
    return problems


def check_postgres(url: str, cache_dir: str | os.PathLike[str] | None, embedder: Embedder) -> list[str]:
    """What is wrong with a PostgreSQL store's rows (``PostgresStore.damage``) and with the ONNX
    question encoder kept in files beside it."""
    from .onnx_encoder import OnnxEncoder
    from .stores.postgres import PostgresStore

    try:
        store = PostgresStore(url, embedder.model_id)
    except StoreError as exc:
        return [str(exc)]
    try:
        problems = [f"{store.display_url}: {p}: {FIX}" for p in store.damaged().values()]
    finally:
        store.close()
    onnx = postgres_cache_dir(cache_dir) / model_folder_name(embedder.model_id) / "onnx"
    _, damage = OnnxEncoder.find(onnx, embedder.model_id)
    if damage:
        problems.append(f"{onnx}: the question encoder's ONNX export is damaged ({damage}): {FIX}")
    return problems
