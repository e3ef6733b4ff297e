"""Building an index: the articles split, embedded (through the vector cache), ranked by BM25 and
ready to search. Apart from answering: ``KnowledgeBase`` takes what ``build_index`` returns.

The steps are the pipeline's stages 2 to 4: passages and sentences (``passages``), their vectors
(``cache`` + ``embeddings``, with the ONNX question encoder beside them), the nearest-vector index
(``vector_index``) and BM25 (``lexical``). With a cache folder nothing already embedded is
embedded again; ``read_only`` builds from the cache alone and writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import onnx_encoder, vector_index
from .cache.files import Notify, text_hash, write_lock
from .cache.lexical import lexical_index
from .cache.spans import SentenceSpans
from .cache.vectors import VectorCache, embed_with_cache
from .embeddings import Embedder, ProgressFn, SentenceTransformerEmbedder, for_questions
from .lexical import LexicalIndex
from .onnx_encoder import OnnxEncoder
from .passages import Sentence, document_sentences, make_passages
from .types import Document, Passage


class IndexOutOfDate(Exception):
    """A read-only knowledge base found texts its cache holds no vectors for."""


@dataclass(frozen=True)
class IndexReport:
    """What building the knowledge base did, for ``askdefector index``."""

    documents: int
    passages: int
    sentences: int
    embedded: int  # texts sent to the model in this run
    cache_dir: str  # where the index lives: the cache folder, or the PostgreSQL store (without its password)
    skipped: tuple[tuple[str, str], ...] = ()  # files found bad in this run, with why
    warnings: tuple[str, ...] = ()
    skipped_before: int = 0  # unchanged files found bad (and reported) in an earlier run


@dataclass(frozen=True)
class Index:
    """Everything ``KnowledgeBase`` answers from; made by ``build_index``."""

    documents: dict[str, Document]
    passages: list[Passage]
    sentences: list[Sentence]
    sentence_texts: list[str]
    passage_vectors: np.ndarray  # one unit-length row per passage (embedded under its title)
    sentence_vectors: np.ndarray
    nearest: vector_index.NearestIndex
    lexical: LexicalIndex  # BM25 over the titled passages
    sentence_terms: list[list[str]]  # each sentence's distinct words, as BM25 sees them
    query_encoder: Embedder  # the ONNX export when there is one, else the model itself
    report: IndexReport


def build_index(
    documents: Sequence[Document],
    embedder: Embedder,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: ProgressFn | None = None,
    skipped: Sequence[tuple[str, str]] = (),
    notify: Notify | None = None,
    read_only: bool = False,
    skipped_before: int = 0,
    wait_for_writers: bool = True,
    notes: Sequence[str] = (),
) -> Index:
    """Split, embed (or read from the cache) and index ``documents``.

    Raises ``IndexOutOfDate`` when ``read_only`` and the cache lacks a text, ``IndexBusy`` when
    another process is writing the cache and ``wait_for_writers`` is False."""
    ids = [d.id for d in documents]
    if len(set(ids)) != len(ids):
        raise ValueError("document ids must be unique")
    by_id = {d.id: d for d in documents}
    spans = SentenceSpans(cache_dir) if cache_dir is not None else None
    passages, sentences = make_passages(documents, segment=spans.segment if spans else document_sentences)
    if spans is not None and not read_only:
        spans.save(notify)
    mended = "answered from what was computed now" if read_only else "computed again"
    damage = [f"{Path(cache_dir) / SentenceSpans.FILE}: {spans.damage}"] if spans is not None and spans.damage else []
    # A passage is embedded and indexed under its article's title: the title says what a
    # passage in the middle of an article is about.
    titled = [f"{by_id[p.doc_id].title}: {p.text}" for p in passages]
    sentence_texts = [by_id[s.doc_id].text[s.start : s.end] for s in sentences]
    texts = titled + sentence_texts
    cache = VectorCache(cache_dir, embedder.model_id) if cache_dir is not None else None
    digests = [text_hash(t) for t in texts] if cache is not None else []
    if cache is not None and read_only:
        vectors, embedded, warnings = _cached_only(cache, digests), 0, tuple(cache.warnings)
    elif cache is not None:
        vectors, embedded = embed_with_cache(texts, embedder, cache, progress, notify=notify, digests=digests, wait=wait_for_writers)
        warnings = tuple(cache.warnings)
    else:
        vectors, embedded, warnings = embedder.encode(texts), len(texts), ()
    query_encoder = for_questions(embedder)
    if cache is not None:
        fast, encoder_note = fast_query_encoder(embedder, cache.folder, cache.writable, notify)
        query_encoder = fast or query_encoder
        warnings += (encoder_note,) if encoder_note else ()
    passage_vectors = vectors[: len(passages)]
    nearest = vector_index.nearest_index(passage_vectors, _ann_path(cache, digests[: len(titled)]))
    if cache_dir is not None:
        lexical, terms = lexical_index(cache_dir, titled, sentence_texts, notify, digests, save=not read_only, damage=damage)
    else:
        lexical = LexicalIndex(titled)
        terms = lexical.analyzer.distinct_terms_of(sentence_texts)
    report = IndexReport(
        documents=len(by_id),
        passages=len(passages),
        sentences=len(sentences),
        embedded=embedded,
        cache_dir=str(cache.folder) if cache is not None else "",
        skipped=tuple(skipped),
        skipped_before=skipped_before,
        warnings=tuple(notes) + warnings + tuple(f"{d}: {mended}" for d in damage),
    )
    return Index(
        documents=by_id,
        passages=passages,
        sentences=sentences,
        sentence_texts=sentence_texts,
        passage_vectors=passage_vectors,
        sentence_vectors=vectors[len(passages) :],
        nearest=nearest,
        lexical=lexical,
        sentence_terms=terms,
        query_encoder=query_encoder,
        report=report,
    )


def _cached_only(cache: VectorCache, digests: Sequence[str]) -> np.ndarray:
    """The cached vectors of ``digests``, never embedding or writing: a read-only open."""
    missing = len({d for d in digests if d not in cache})
    if missing:
        raise IndexOutOfDate(f"the index in {cache.folder} is missing or out of date ({missing} texts not embedded)")
    cache.writable = False  # nothing after this writes: no ONNX export, no saved ANN index
    return cache.get(list(digests))


def fast_query_encoder(
    embedder: Embedder, model_folder: Path, writable: bool, notify: Notify | None
) -> tuple[Embedder | None, str]:
    """The ONNX export of the model in ``model_folder``/onnx, made now if missing and
    ``writable``: questions then skip the torch import. Returns (encoder or None, a warning or "")."""
    questions = for_questions(embedder)
    if questions is not embedder:  # the model has its own way to embed questions
        return questions, ""
    if not isinstance(embedder, SentenceTransformerEmbedder):
        return None, ""
    folder = model_folder / "onnx"
    found, damage = OnnxEncoder.find(folder, embedder.model_id)
    slower = f"questions use the slower original model (its ONNX export is damaged: {damage})" if damage else ""
    if found is not None or not writable:
        return found, slower
    try:
        model_folder.mkdir(parents=True, exist_ok=True)
        with write_lock(model_folder, notify) as can_write:
            found, damage = OnnxEncoder.find(folder, embedder.model_id)  # another run may have made it
            if found is not None or not can_write:
                return found, slower
            if notify:
                notify("preparing the model for fast questions (once) ...")
            note = f"the ONNX export was damaged ({damage}) and has been made again" if damage else ""
            return onnx_encoder.export(embedder.model, folder, embedder.model_id), note
    except Exception as exc:  # an optional speed-up: any failure falls back to the original model
        return None, f"questions use the slower original model (ONNX export failed: {exc})".splitlines()[0]


def _ann_path(cache: VectorCache | None, digests: Sequence[str]) -> Path | None:
    """Where the approximate index of these passage texts is saved, if one is needed and the
    cache can hold it (``digests``: the passages' text hashes); indexes of other passage lists
    are removed."""
    if cache is None or not cache.writable or len(digests) <= vector_index.ANN_ABOVE:
        return None
    name = f"ann-{text_hash(''.join(digests))}.faiss"
    for old in cache.folder.glob("ann-*.faiss"):
        if old.name != name:
            old.unlink(missing_ok=True)
    return cache.folder / name
