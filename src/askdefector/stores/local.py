"""The local store: a built ``Index`` (arrays and files beside the corpus) behind the ``Store``
seam. No server; one process's memory, the arrays memory-mapped or held once."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager, nullcontext

import numpy as np

from ..analyzer import Analyzer
from ..answer import inverse_document_frequency
from ..indexing import Index
from ..search import top_k
from ..types import Document, Passage
from . import Candidates, SentenceRecord, StoreSize


class LocalStore:
    """Answers the engine's questions from an ``Index`` made by ``build_index``."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.analyzer: Analyzer = index.lexical.analyzer
        self._sentences = index.sentences
        sentence_at = {(doc, start): i for i, (doc, _, start, _) in enumerate(index.sentences)}
        self._members = _members(index.passages, sentence_at)
        self._by_key: dict[str, int] | None = None
        self._idf: dict[str, float] | None = None
        self._doc_sentences: dict[str, tuple[int, int]] | None = None  # each article's first and last + 1 sentence
        self._doc_terms: dict[str, frozenset[str]] = {}

    def reading(self) -> AbstractContextManager[LocalStore]:
        return nullcontext(self)  # nothing changes under a reader: a new index is a new store

    def size(self) -> StoreSize:
        return StoreSize(len(self.index.documents), len(self.index.passages), len(self._sentences))

    def candidates(self, vector: np.ndarray, terms: Sequence[str], depth: int) -> Candidates:
        index = self.index
        lexical = index.lexical.scores_of(terms)
        if index.nearest.kind == "exact":
            rows = np.arange(len(index.passages))
            dense = index.passage_vectors @ vector if rows.size else np.zeros(0, np.float32)
            best = (index.sentence_vectors @ vector)[self._members].max(axis=1) if rows.size else dense
            return Candidates(rows, dense, best, lexical)
        # A large store: the nearest passages and the best BM25 ones (whose maximum is the store's)
        near, _ = index.nearest.search(vector, depth)
        rows = np.union1d(near, top_k(lexical, depth)).astype(np.int64)
        members = self._members[rows]
        best = (index.sentence_vectors[members.ravel()] @ vector).reshape(members.shape).max(axis=1)
        return Candidates(rows, index.passage_vectors[rows] @ vector, best, lexical[rows])

    def members(self, passages: Sequence[int]) -> list[list[int]]:
        return [list(dict.fromkeys(self._members[p].tolist())) for p in passages]

    def sentence_cosines(self, sentences: Collection[int], vector: np.ndarray) -> dict[int, float]:
        ids = list(sentences)
        return dict(zip(ids, (self.index.sentence_vectors[ids] @ vector).tolist()))

    def sentences(self, ids: Collection[int]) -> dict[int, SentenceRecord]:
        found = {}
        count = len(self._sentences)
        for s in ids:
            doc, paragraph, start, end = self._sentences[s]
            before = s - 1 if s > 0 and self._sentences[s - 1][:2] == (doc, paragraph) else None
            after = s + 1 if s + 1 < count and self._sentences[s + 1][:2] == (doc, paragraph) else None
            text = self.index.sentence_texts[s]
            found[s] = SentenceRecord(s, doc, paragraph, start, end, text, tuple(self.index.sentence_terms[s]), before, after)
        return found

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        return [self.index.passages[int(i)] for i in ids]

    def passage(self, key: str) -> Passage | None:
        if self._by_key is None:
            self._by_key = {p.id: i for i, p in enumerate(self.index.passages)}
        row = self._by_key.get(key)
        return None if row is None else self.index.passages[row]

    def document(self, doc_id: str) -> Document:
        return self.index.documents[doc_id]

    def idf(self, terms: Collection[str]) -> dict[str, float]:
        if self._idf is None:
            self._idf = inverse_document_frequency(self.index.sentence_terms)
        return {t: self._idf[t] for t in terms if t in self._idf}

    def document_terms(self, doc_id: str) -> frozenset[str]:
        terms = self._doc_terms.get(doc_id)
        if terms is None:
            if self._doc_sentences is None:
                spans: dict[str, tuple[int, int]] = {}
                for i, s in enumerate(self._sentences):
                    spans[s.doc_id] = (spans.get(s.doc_id, (i, i))[0], i + 1)
                self._doc_sentences = spans
            first, last = self._doc_sentences[doc_id]
            terms = frozenset(t for s in range(first, last) for t in self.index.sentence_terms[s])
            self._doc_terms[doc_id] = terms
        return terms


def _members(passages: Sequence[Passage], sentence_at: dict[tuple[str, int], int]) -> np.ndarray:
    """Each passage's sentence indices as one padded integer array (short rows repeat their last)."""
    rows = [[sentence_at[(p.doc_id, start)] for start, _ in p.sentences] for p in passages]
    width = max((len(r) for r in rows), default=0)
    return np.array([r + r[-1:] * (width - len(r)) for r in rows], dtype=np.int64).reshape(len(rows), width)
