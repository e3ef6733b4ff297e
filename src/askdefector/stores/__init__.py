"""Where articles live: the ``Store`` seam between the engine and its storage.

A store holds documents, their passages and sentences (with stable ids), their vectors and the
lexical index, and answers the few questions the engine asks while answering: which passages are
worth scoring for a query, the cosines and text of given sentences, a passage by id. The engine
(``KnowledgeBase``) never asks which store it has. Two implement it:

- ``local.LocalStore``: columns of arrays beside the corpus (the default; no server), or in a
  folder of its own (``folder``) that asking maps without reading any corpus;
- ``postgres.PostgresStore``: PostgreSQL with pgvector, shared by many readers and writers.

Every question is read inside ``store.reading()``: one consistent version of the store, even
while another process re-indexes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..analyzer import Analyzer
from ..types import Document, Passage


def content_hash(doc: Document) -> str:
    """What decides whether a stored article is the same: everything stored of it but its id."""
    fields = [doc.title, doc.text, doc.outlet, list(doc.authors), doc.date, doc.source]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


class StoreError(Exception):
    """A store that can't serve: another model's vectors, a newer format, missing or damaged."""


@dataclass(frozen=True)
class Candidates:
    """The passages worth scoring in full for one query (every passage, on a small store), by
    their store ids, with the cosine of each passage's own vector, the cosine of its closest
    sentence, and its BM25 score. The best BM25 score of the whole store is among them."""

    passages: np.ndarray  # int64 store ids
    dense: np.ndarray  # float32 cosine of the passage's vector with the query vector
    best: np.ndarray  # float32 cosine of its closest sentence
    lexical: np.ndarray  # float32 BM25 of the query's terms


@dataclass(frozen=True)
class SentenceRecord:
    """One sentence as the engine reads it: where it is, its words, and its neighbours in its
    paragraph (ids, or None at the paragraph's edge)."""

    id: int
    doc_id: str
    paragraph: int
    start: int
    end: int
    text: str
    terms: tuple[str, ...]  # distinct stemmed content words, as BM25 sees them
    before: int | None
    after: int | None


@dataclass(frozen=True)
class StoreSize:
    documents: int
    passages: int
    sentences: int


@runtime_checkable
class Reader(Protocol):
    """One consistent version of a store, for one question."""

    def size(self) -> StoreSize: ...

    def candidates(self, vector: np.ndarray, terms: Sequence[str], depth: int) -> Candidates:
        """Passages whose vector is among the ``depth`` nearest, or that hold one of the ``depth``
        nearest sentences, or whose BM25 is among the ``depth`` best; all of them on a small store."""
        ...

    def members(self, passages: Sequence[int]) -> list[list[int]]:
        """Sentence ids of each passage, in order."""
        ...

    def sentence_cosines(self, sentences: Collection[int], vector: np.ndarray) -> dict[int, float]:
        """Cosine of each sentence's vector with ``vector``."""
        ...

    def sentences(self, ids: Collection[int]) -> dict[int, SentenceRecord]: ...

    def passages(self, ids: Sequence[int]) -> list[Passage]: ...

    def passage(self, key: str) -> Passage | None:
        """The passage with this stable id (``Passage.id``), or None if it is gone."""
        ...

    def document(self, doc_id: str) -> Document: ...

    def idf(self, terms: Collection[str]) -> dict[str, float]:
        """log(1 + sentences / sentences holding the term) of each term the store knows."""
        ...


@runtime_checkable
class Store(Protocol):
    """Storage for articles and everything derived from them; see the module's docstring."""

    analyzer: Analyzer  # how its lexical index reads words: the engine reads questions the same way

    def reading(self) -> AbstractContextManager[Reader]: ...
