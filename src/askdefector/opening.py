"""``open``: a corpus folder, a store folder or a PostgreSQL database made ready to answer, as a
``KnowledgeBase``; its index built, refreshed or read back as saved."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from .cache.files import Notify
from .cache.vectors import IndexBusy, model_folder_name
from .corpus import Corpus, CorpusError, load_corpus
from .corpus_cache import CorpusRecords
from .embeddings import DEFAULT_MODEL, Embedder, ProgressFn, make_embedder
from .indexing import IndexOutOfDate, IndexReport, build_index, fast_query_encoder
from .knowledge import KnowledgeBase, check_path
from .stores import Store, folder
from .types import Document


def default_cache_dir(corpus_dir: str | os.PathLike[str]) -> Path:
    """``embeddings/`` beside the corpus folder."""
    return Path(corpus_dir).resolve().parent / "embeddings"

def open(  # noqa: A001 - the library's entry point, as in ``askdefector.open(corpus)``
    corpus_dir: str | os.PathLike[str] | None,
    cache_dir: str | os.PathLike[str] | None = None,
    model: str = DEFAULT_MODEL,
    embedder: Embedder | None = None,
    progress: ProgressFn | None = None,
    notify: Notify | None = None,
    read_only: bool = False,
    wait_for_writers: bool = True,
    store: str | os.PathLike[str] | None = None,
    prune: bool = False,
    verify: bool = False,
) -> KnowledgeBase:
    """Load the articles under ``corpus_dir`` and build or refresh their cached embeddings.

    With ``read_only`` nothing is embedded or written: the cache must already hold every text
    (``IndexOutOfDate`` otherwise), as a server that must not change its index wants. With
    ``wait_for_writers`` False, a corpus that changed while another process is re-indexing it is
    answered from the last complete index (a note in ``report.warnings`` says so) instead of
    waiting for that process to finish. An unchanged corpus is answered from its last complete
    index as saved (``embeddings/<model>/store/``); ``verify`` re-checks every cached file instead
    and repairs what is damaged, as ``askdefector index`` does.

    ``store`` keeps the articles in a store of their own instead: a PostgreSQL database
    (``"postgresql://..."``, see ``stores.postgres``) or a folder (any other path, see
    ``stores.folder``). The corpus folder's new and changed articles are added to it
    (``corpus_dir`` None adds nothing and reads no corpus), ``prune`` deletes stored articles the
    folder lacks, and the answers come from everything the store holds."""
    check_path("cache_dir", cache_dir, optional=True)
    if not isinstance(model, str) or not model.strip():
        raise TypeError(f"model must be a model name or path (a non-empty str), not {model!r}")
    if store is not None:
        from .stores.postgres import is_url

        check_path("store", store)
        if is_url(store):
            return _open_postgres(str(store), corpus_dir, cache_dir, model, embedder, progress, notify, read_only, prune, verify)
        return _open_store_folder(Path(store).expanduser(), corpus_dir, model, embedder, progress, notify, read_only, prune)
    check_path("corpus_dir", corpus_dir)
    embedder = embedder or make_embedder(model)  # an unknown model fails before any write
    cache_dir = cache_dir if cache_dir is not None else default_cache_dir(corpus_dir)
    records = CorpusRecords(cache_dir)
    corpus = _require_articles(load_corpus(corpus_dir, notify, records), corpus_dir)

    def build(documents: Sequence[Document], **options: object) -> KnowledgeBase:
        index = build_index(documents, embedder, cache_dir=cache_dir, progress=progress, notify=notify, **options)
        return KnowledgeBase(index, embedder)

    found = {
        "skipped": corpus.skipped,
        "skipped_before": corpus.skipped_before,
        "notes": [f"{path}: {note}" for path, note in corpus.notes],
    }
    snapshot = Path(cache_dir) / model_folder_name(embedder.model_id) / "store"
    content = folder.articles_hash(corpus.documents)
    saved, damage = folder.open_current(snapshot, embedder.model_id, content, verify=verify)
    if saved is not None and not verify:
        kb = _from_saved(saved, embedder, snapshot.parent, corpus, notify, writable=not read_only)
    else:
        try:
            kb = build(corpus.documents, read_only=read_only, wait_for_writers=wait_for_writers, **found)
        except IndexBusy:
            # the writer records the new corpus when its index is complete
            return _last_complete(build, records, corpus_dir) or build(corpus.documents, **found)
        if not read_only and saved is None:
            folder.save_quietly(snapshot, kb.store, embedder.model_id, content, notify)
        if damage:
            mended = "saved again from the articles" if not read_only else "answered from the articles instead"
            kb.report = dataclasses.replace(kb.report, warnings=(*kb.report.warnings, f"{damage}: {mended}"))
    if not read_only:
        records.save(notify)  # only now: corpus.json always describes a complete index
    return kb


def _from_saved(
    store: Store, embedder: Embedder, model_dir: Path, corpus: Corpus, notify: Notify | None, writable: bool
) -> KnowledgeBase:
    """The last complete index of exactly these articles, as saved: nothing split, hashed or
    gathered again (``verify`` checks every cached file instead)."""
    encoder, note = fast_query_encoder(embedder, model_dir, writable and os.access(model_dir, os.W_OK), notify)
    report = _store_report(store, corpus, 0, str(model_dir), (note,) if note else ())
    return KnowledgeBase(store, embedder, encoder or embedder, report)


def _store_report(store: Store, corpus: Corpus | None, embedded: int, where: str, warnings: Sequence[str]) -> IndexReport:
    """What opening ``store`` did: its size, the corpus folder's skipped files and notes (if a
    folder was read), then ``warnings``."""
    with store.reading() as reader:
        size = reader.size()
    return IndexReport(
        documents=size.documents,
        passages=size.passages,
        sentences=size.sentences,
        embedded=embedded,
        cache_dir=where,
        skipped=tuple(corpus.skipped) if corpus else (),
        skipped_before=corpus.skipped_before if corpus else 0,
        warnings=(tuple(f"{path}: {n}" for path, n in corpus.notes) if corpus else ()) + tuple(warnings),
    )


def _require_articles(corpus: Corpus, corpus_dir: object) -> Corpus:
    """``corpus``, unless it has no article to index (then ``CorpusError`` says why)."""
    if not corpus.documents:
        bad = corpus.skipped or corpus.skipped_before
        reason = "has no readable articles" if bad else "is empty (add .txt, .md or .html files)"
        raise CorpusError(f"corpus folder {corpus_dir} {reason}")
    return corpus


def _to_add(corpus_dir: object, read_only: bool, notify: Notify | None) -> Corpus | None:
    """The corpus folder's articles to add to a store, or None when nothing is to be added.
    A folder of only unreadable files is refused here, before ``prune`` could empty the store."""
    if corpus_dir is None or read_only:
        return None
    check_path("corpus_dir", corpus_dir)
    return _require_articles(load_corpus(corpus_dir, notify), corpus_dir)


def postgres_cache_dir(cache_dir: str | os.PathLike[str] | None) -> Path:
    """Where a PostgreSQL store's local files (the ONNX question encoder) are kept."""
    if cache_dir is not None:
        return Path(cache_dir)
    from platformdirs import user_cache_path

    return user_cache_path("askdefector")


def _open_postgres(
    url: str,
    corpus_dir: str | os.PathLike[str] | None,
    cache_dir: str | os.PathLike[str] | None,
    model: str,
    embedder: Embedder | None,
    progress: ProgressFn | None,
    notify: Notify | None,
    read_only: bool,
    prune: bool,
    verify: bool = False,
) -> KnowledgeBase:
    """``open`` on a PostgreSQL store; the local cache folder keeps only the ONNX question encoder."""
    from .stores.postgres import PostgresStore

    embedder = embedder or make_embedder(model)
    corpus = _to_add(corpus_dir, read_only, notify)
    # Only a new store needs the model's width, and finding it loads the model: asked for then.
    dimension = (lambda: int(embedder.encode(["?"]).shape[1])) if corpus is not None else None
    store = PostgresStore(url, embedder.model_id, dimension=dimension)
    embedded, warnings = 0, ()
    if corpus is not None:
        written = store.add(corpus.documents, embedder, progress, prune=prune, verify=verify)
        embedded, warnings = written.embedded, written.warnings
    query_encoder, note = fast_query_encoder(embedder, postgres_cache_dir(cache_dir) / model_folder_name(embedder.model_id), True, notify)
    report = _store_report(store, corpus, embedded, store.display_url, warnings + ((note,) if note else ()))
    return KnowledgeBase(store, embedder, query_encoder, report)


def _open_store_folder(
    root: Path,
    corpus_dir: str | os.PathLike[str] | None,
    model: str,
    embedder: Embedder | None,
    progress: ProgressFn | None,
    notify: Notify | None,
    read_only: bool,
    prune: bool,
) -> KnowledgeBase:
    """``open`` on a store folder: the corpus folder (if any) added to it, then the store mapped."""
    embedder = embedder or make_embedder(model)
    added = folder.Added(0, False)
    corpus = _to_add(corpus_dir, read_only, notify)
    if corpus is not None:
        added = folder.add(root, corpus.documents, embedder, progress, notify, prune)
    store = folder.open_store(root, embedder.model_id)
    query_encoder, note = fast_query_encoder(embedder, root / model_folder_name(embedder.model_id), os.access(root, os.W_OK), notify)
    warnings = added.warnings + ((note,) if note and not added.changed else ())  # a build reports its own note
    damage = folder.damage_warning(root, store)
    warnings += (f"{damage}: answers leave them out: run askdefector index",) if damage else ()
    report = _store_report(store, corpus, added.embedded, str(root), warnings)
    return KnowledgeBase(store, embedder, query_encoder, report)


def _last_complete(build: Callable[..., KnowledgeBase], records: CorpusRecords, corpus_dir: object) -> KnowledgeBase | None:
    """The articles of the last complete index, read-only, while another process builds the next
    one; None when there is none (or its vectors are already gone)."""
    previous = records.previous()
    if not previous:
        return None
    note = f"another askdefector is re-indexing {corpus_dir}: this answer comes from its last complete index"
    try:
        return build(previous, read_only=True, notes=[note])
    except IndexOutOfDate:
        return None
