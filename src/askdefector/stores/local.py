"""The local store: the columns of ``stores.columns`` (built now, or memory-mapped from a folder)
behind the ``Store`` seam. No server; nothing is held per passage or per sentence, so a question
reads only the rows it touches."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property, lru_cache

import numpy as np

from ..analyzer import Analyzer
from ..indexing import Index
from ..lexical import LexicalIndex
from ..search import top_k
from ..types import Document, Passage
from ..vector_index import VectorIndex
from . import Candidates, SentenceRecord, StoreSize
from . import columns as cols
from .columns import DOC, END, DamagedText, P_COUNT, P_DOC, P_FIRST, P_NUMBER, PARAGRAPH, START, Columns


class LocalStore:
    """Answers the engine's questions from ``Columns``, a vector index over their passages and BM25."""

    def __init__(self, columns: Columns, nearest: VectorIndex, lexical: LexicalIndex, damaged: Collection[int] = ()) -> None:
        self.columns = columns
        self.nearest = nearest
        self.lexical = lexical
        self.analyzer: Analyzer = lexical.analyzer
        # Document rows left out: their text or vectors failed a check. Replaced, never changed in
        # place, so a server's other threads always read a whole set.
        self.damaged = frozenset(damaged)
        self._decoded = lru_cache(maxsize=256)(columns.document)  # texts decoded once while in use

    def _document(self, row: int) -> Document:
        try:
            return self._decoded(row)
        except DamagedText:
            self.damaged = self.damaged | {row}  # found as read (a big store isn't checked whole): left out from now on
            raise

    @classmethod
    def from_index(cls, index: Index) -> LocalStore:
        """The store of an index ``build_index`` just made."""
        sentence_at = {(s.doc_id, s.start): i for i, s in enumerate(index.sentences)}
        passages = [(p.doc_id, p.paragraph, sentence_at[(p.doc_id, p.sentences[0][0])], len(p.sentences)) for p in index.passages]
        columns = cols.build(
            list(index.documents.values()), index.sentences, passages, index.sentence_terms, index.passage_vectors, index.sentence_vectors
        )
        return cls(columns, index.nearest, index.lexical)

    def reading(self) -> AbstractContextManager[LocalStore]:
        return nullcontext(self)  # nothing changes under a reader: a new index is a new store

    def size(self) -> StoreSize:
        c = self.columns
        return StoreSize(len(c.documents), len(c.passage_rows), len(c.sentence_rows))

    def candidates(self, vector: np.ndarray, terms: Sequence[str], depth: int) -> Candidates:
        c = self.columns
        lexical = self.lexical.scores_of(terms)
        if self.nearest.kind == "exact":
            rows = np.arange(len(c.passage_rows))
            if not self.damaged:
                dense = c.passage_vectors @ vector if rows.size else np.zeros(0, np.float32)
                best = (c.sentence_vectors @ vector)[self._members(rows)].max(axis=1) if rows.size else dense
                return Candidates(rows, dense, best, lexical)
        else:  # a large store: the nearest passages and the best BM25 ones (whose maximum is the store's)
            near, _ = self.nearest.search(vector, depth)
            rows = np.union1d(near, top_k(lexical, depth)).astype(np.int64)
        damaged = self.damaged
        if damaged:
            rows = rows[~np.isin(c.passage_rows[rows, P_DOC], list(damaged))]
        members = self._members(rows)
        best = (c.sentence_vectors[members.ravel()] @ vector).reshape(members.shape).max(axis=1)
        dense = c.passage_vectors[rows] @ vector
        broken = ~(np.isfinite(dense) & np.isfinite(best))
        if broken.any():  # a big store's vectors are checked as they are read
            docs = sorted(set(c.passage_rows[rows[broken], P_DOC].tolist()))
            self.damaged = self.damaged | set(docs)
            ids = [c.documents[d][0] for d in docs]
            raise DamagedText(f"the saved vectors of {cols.name_list(ids)} hold NaN or infinite values (the store is damaged)", ids)
        return Candidates(rows, dense, best, lexical[rows])

    def _members(self, rows: np.ndarray) -> np.ndarray:
        """Each passage's sentence ids as one padded array (short rows repeat their last)."""
        p = self.columns.passage_rows[rows]
        first, count = p[:, P_FIRST].astype(np.int64), p[:, P_COUNT].astype(np.int64)
        return first[:, None] + np.minimum(np.arange(max(int(count.max(initial=1)), 1)), count[:, None] - 1)

    def members(self, passages: Sequence[int]) -> list[list[int]]:
        rows = self.columns.passage_rows
        return [list(range(int(rows[p, P_FIRST]), int(rows[p, P_FIRST] + rows[p, P_COUNT]))) for p in passages]

    def sentence_cosines(self, sentences: Collection[int], vector: np.ndarray) -> dict[int, float]:
        ids = list(sentences)
        return dict(zip(ids, (self.columns.sentence_vectors[ids] @ vector).tolist()))

    def sentences(self, ids: Collection[int]) -> dict[int, SentenceRecord]:
        c = self.columns
        rows, count = c.sentence_rows, len(c.sentence_rows)
        found = {}
        for s in ids:
            doc, paragraph, start, end = (int(x) for x in rows[s])
            before = s - 1 if s > 0 and rows[s - 1, DOC] == doc and rows[s - 1, PARAGRAPH] == paragraph else None
            after = s + 1 if s + 1 < count and rows[s + 1, DOC] == doc and rows[s + 1, PARAGRAPH] == paragraph else None
            document = self._document(doc)
            terms = tuple(c.vocabulary[t] for t in c.term_ids[c.term_offsets[s] : c.term_offsets[s + 1]])
            found[s] = SentenceRecord(s, document.id, paragraph, start, end, document.text[start:end], terms, before, after)
        return found

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        c = self.columns
        found = []
        for i in ids:
            doc, number, paragraph, first, count = (int(x) for x in c.passage_rows[i])
            spans = tuple((int(s), int(e)) for s, e in c.sentence_rows[first : first + count, START : END + 1])
            document = self._document(doc)
            start, end = spans[0][0], spans[-1][1]
            found.append(Passage(document.id, f"{document.id}#{number}", paragraph, start, end, document.text[start:end], spans))
        return found

    @cached_property
    def _doc_rows(self) -> dict[str, int]:
        return {d[0]: i for i, d in enumerate(self.columns.documents)}

    def passage(self, key: str) -> Passage | None:
        doc_id, _, number = key.rpartition("#")
        doc = self._doc_rows.get(doc_id)
        if doc is None or not number.isdigit():
            return None
        rows = self.columns.passage_rows
        first = int(np.searchsorted(rows[:, P_DOC], doc))  # passages are grouped by document, in order
        row = first + int(number)
        if row >= len(rows) or rows[row, P_DOC] != doc or rows[row, P_NUMBER] != int(number):
            return None
        return self.passages([row])[0]

    def document(self, doc_id: str) -> Document:
        return self._document(self._doc_rows[doc_id])

    @cached_property
    def _term_rows(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.columns.vocabulary)}

    def idf(self, terms: Collection[str]) -> dict[str, float]:
        c, n = self.columns, len(self.columns.sentence_rows)
        rows = {t: self._term_rows[t] for t in terms if t in self._term_rows}
        return {t: math.log(1 + n / int(c.term_counts[i])) for t, i in rows.items()}
