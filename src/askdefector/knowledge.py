"""The engine: documents, passages, vectors and the lexical index, behind ``search`` and ``ask``."""

from __future__ import annotations

import dataclasses
import operator
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import answer as answering
from . import check
from .cache import IndexBusy, Notify
from .corpus import CorpusError, load_corpus
from .corpus_cache import CorpusRecords
from .embeddings import DEFAULT_MODEL, Embedder, ProgressFn, SentenceTransformerEmbedder
from .indexing import Index, IndexOutOfDate, build_index
from .search import cosine, fuse, passage_dense, top_k
from .types import Answer, Document, Hit, Passage, Quote

MAX_QUESTION_CHARS = 1000  # the model reads 256 word pieces, about this many characters
CANDIDATE_PASSAGES = 5  # passages whose sentences compete for the quote
RERANK_DEPTH = 10  # passages re-ranked by their best sentence
HISTORY_WEIGHT = 0.5  # weight of the previous question in a follow-up's query
NEAREST = 100  # with an approximate index: candidates from each ranking that are scored in full
# Lone surrogates: how Python hands over bytes that are not UTF-8 (command-line arguments); no
# tokenizer or UTF-8 output takes them.
_SURROGATES = re.compile("[\ud800-\udfff]")

class PassageScores(NamedTuple):
    """Every passage's score under each ranking, for one question."""

    dense: np.ndarray  # cosine similarity
    lexical: np.ndarray  # BM25
    fused: np.ndarray  # dense + weighted BM25
    sentence: np.ndarray  # cosine of every sentence
    ranked: np.ndarray  # fused, the top passages raised by their best sentence: what ``search`` ranks by


class KnowledgeBase:
    """Articles ready to be searched and quoted. Build with ``open`` or ``from_documents``."""

    def __init__(self, index: Index, embedder: Embedder) -> None:
        """Answer from a built ``index`` (see ``build_index``); ``embedder`` is the model it was built with."""
        self.index = index
        self.embedder = embedder
        self.query_encoder = index.query_encoder
        self.documents = index.documents
        self.passages, self.sentences = index.passages, index.sentences
        self.passage_vectors, self.sentence_vectors = index.passage_vectors, index.sentence_vectors
        self.nearest, self.lexical = index.nearest, index.lexical
        self.sentence_terms = index.sentence_terms
        self.report = index.report
        self._sentence_texts = index.sentence_texts
        self._recent: dict[str, np.ndarray] = {}
        self._recent_lock = threading.Lock()  # a server asks from many threads at once
        self._idf = answering.inverse_document_frequency(self.sentence_terms)
        self._sentence_at = {(doc, start): i for i, (doc, _, start, _) in enumerate(self.sentences)}
        self._members = _members(self.passages, self._sentence_at)
        self._places = [(doc, paragraph) for doc, paragraph, _, _ in self.sentences]  # one quote per place
        self._doc_sentences: dict[str, tuple[int, int]] | None = None  # each article's first and last + 1 sentence
        self._doc_terms: dict[str, frozenset[str]] = {}
        # The learned answer check (stage 6) orders and declines when set, e.g. to ``check.shipped()``.
        # Off by default: trained on SQuAD 2.0 it declines most reader-worded questions about news
        # articles that the articles do answer (README, "The answer check").
        self.checker: check.Checker | None = None

    @classmethod
    def from_documents(
        cls,
        documents: Iterable[Document],
        cache_dir: str | os.PathLike[str] | None = None,
        model: str = DEFAULT_MODEL,
        embedder: Embedder | None = None,
        progress: ProgressFn | None = None,
        notify: Notify | None = None,
    ) -> KnowledgeBase:
        """Index ``documents``; vectors are cached under ``cache_dir`` when it is given.

        ``progress(done, total)`` follows embedding; ``notify(message)`` hears about waits.
        """
        if isinstance(documents, (str, bytes, Document)) or not isinstance(documents, Iterable):
            raise TypeError(f"documents must be an iterable of Document, not {type(documents).__name__}")
        documents = list(documents)
        for doc in documents:
            if not isinstance(doc, Document):
                raise TypeError(f"documents must hold only Document objects, not {type(doc).__name__}")
        _check_path("cache_dir", cache_dir, optional=True)
        embedder = embedder or SentenceTransformerEmbedder(model)
        return cls(build_index(documents, embedder, cache_dir, progress, notify=notify), embedder)

    def sentence_text(self, i: int) -> str:
        s = self.sentences[i]
        return self.documents[s.doc_id].text[s.start : s.end]

    # -- querying ----------------------------------------------------------------------------

    def embed_question(self, text: str) -> np.ndarray:
        """The question's vector; recent questions are remembered (``search`` then ``ask``)."""
        with self._recent_lock:
            vector = self._recent.get(text)
        if vector is None:
            vector = self.query_encoder.encode([text])[0]
        with self._recent_lock:
            self._recent.pop(text, None)
            self._recent[text] = vector
            if len(self._recent) > 64:
                del self._recent[next(iter(self._recent))]
        return vector

    def _query(self, question: str, history: Sequence[str] | None) -> tuple[np.ndarray, str]:
        """The query vector and lexical query text, leaning on the previous question if any."""
        previous = [h for h in (history or []) if h.strip()][-1:]
        vector = self.embed_question(question)
        text = question
        if previous:
            vector = vector + HISTORY_WEIGHT * self.embed_question(previous[0])
            vector = vector / np.linalg.norm(vector)
            text = f"{previous[0]} {question}"
        return vector.astype(np.float32), text

    def _scores(self, vector: np.ndarray, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Dense, lexical and fused score of every passage, and every sentence's cosine."""
        lexical = self.lexical.scores(text)
        if self.nearest.kind == "exact":
            sentence_cosine = cosine(self.sentence_vectors, vector)
            dense = passage_dense(cosine(self.passage_vectors, vector), sentence_cosine, self._members)
            return dense, lexical, fuse(dense, lexical), sentence_cosine
        # A large corpus: only the nearest passages and the best BM25 ones are scored in full;
        # the rest keep a cosine of -1 and a fused score of -inf.
        near, _ = self.nearest.search(vector, NEAREST)
        rows = np.union1d(near, top_k(lexical, NEAREST))
        members = self._members[rows]
        sentence_cosine = np.full(len(self.sentences), -1.0, dtype=np.float32)
        sentence_cosine[members] = (self.sentence_vectors[members.ravel()] @ vector).reshape(members.shape)
        dense = np.full(len(self.passages), -1.0, dtype=np.float32)
        dense[rows] = passage_dense(self.passage_vectors[rows] @ vector, sentence_cosine, members)
        fused = np.full(len(self.passages), -np.inf, dtype=np.float32)
        fused[rows] = fuse(dense[rows], lexical[rows])  # the BM25 maximum is among the rows
        return dense, lexical, fused, sentence_cosine

    def _rank(self, question: str, history: Sequence[str] | None) -> tuple[PassageScores, np.ndarray, dict[int, float]]:
        """Every passage's scores, the best passages in order, and the evidence of their sentences."""
        vector, text = self._query(question, history)
        dense, lexical, fused, sentence_cosine = self._scores(vector, text)
        query = answering.Query(
            self.lexical.terms(text), self.lexical.pairs_of([question])[0], answering.answer_pattern(question)
        )
        top = top_k(fused, RERANK_DEPTH)
        own = self._evidence(query, sentence_cosine, sorted(set(self._members[top].ravel().tolist())))
        ranked = fused.copy()
        for p in top:  # never lowered, so the re-ranked passages stay above all others
            ranked[p] += answering.BEST_SENTENCE_WEIGHT * max(0.0, max(own[int(s)] for s in self._members[p]))
        top = top[np.argsort(-ranked[top], kind="stable")]
        return PassageScores(dense, lexical, fused, sentence_cosine, ranked), top, own

    def _read(self, ids: Sequence[int]) -> list[tuple[int, str, set[tuple[str, str]], list[str] | set[str]]]:
        """Each sentence as a reader takes it: (the sentence it is read from, that text, its word
        pairs, its words); a sentence that points back is read with the one before it."""
        first = [self._read_from(s) for s in ids]
        spans = [self._span_text(a, s) for a, s in zip(first, ids)]
        return [
            (a, span, pairs, self.sentence_terms[s] if a == s else {*self.sentence_terms[a], *self.sentence_terms[s]})
            for s, a, span, pairs in zip(ids, first, spans, self.lexical.pairs_of(spans))
        ]

    def _evidence(self, query: answering.Query, sentence_cosine: np.ndarray, ids: Sequence[int]) -> dict[int, float]:
        """Each sentence's evidence, as read by ``_read``."""
        return {
            s: answering.evidence(query, float(sentence_cosine[s]), terms, pairs, span, self._idf)
            for s, (_, span, pairs, terms) in zip(ids, self._read(ids))
        }

    def passage_scores(self, question: str, history: Sequence[str] | None = None) -> PassageScores:
        """Each passage's dense, lexical, fused and final score: the rankings side by side."""
        _check_question(question)
        history = _check_history(history)
        question, _ = _fit(question)
        return self._rank(question, history)[0]

    def _hit(self, index: int, score: float) -> Hit:
        p = self.passages[index]
        return Hit(p.doc_id, self.documents[p.doc_id].title, p.text, p.start, p.end, float(score), p.paragraph, index)

    def search(self, question: str, k: int = 5, history: Sequence[str] | None = None) -> list[Hit]:
        """The ``k`` passages closest to the question, best first."""
        _check_question(question)
        k = _check_k(k)
        history = _check_history(history)
        if not self.passages:
            return []
        ranked = self.passage_scores(question, history).ranked
        return [self._hit(int(i), ranked[i]) for i in top_k(ranked, k)]

    def ask(self, question: str, history: Sequence[str] | None = None, k: int = answering.MAX_QUOTES) -> Answer:
        """Answer with at most ``k`` verbatim quotes, best first; ``found`` is False when the articles don't say."""
        _check_question(question)
        k = _check_k(k)
        history = _check_history(history)
        question, note = _fit(question)
        if not self.passages:
            return Answer(question, False, note=note)
        scores, top, ranked = self._candidates(question, history)
        if self.checker is None or not ranked:
            chosen = answering.select(ranked, self._places, limit=k)
            confidence = float(scores.sentence.max())  # how close the closest sentence of all comes
            found = confidence >= answering.DECLINE_BELOW
        else:
            probability = self.checker.probability(self._check_features(question, scores, top, ranked))
            judged = [dataclasses.replace(c, score=float(p)) for c, p in zip(ranked, probability)]
            judged.sort(key=lambda c: (-c.score, c.sentence))
            chosen = answering.select(judged, self._places, limit=k)
            confidence = judged[0].score
            found = confidence >= self.checker.threshold_found
        quotes = tuple(self._quote(c) for c in chosen)
        return Answer(question, found, quotes, confidence, note)

    def candidates(
        self, question: str, history: Sequence[str] | None = None
    ) -> tuple[list[answering.ScoredSentence], np.ndarray]:
        """The sentences that compete for the first quote, by stage 5's score, with the answer
        check's features of each (one row per sentence): what the check is trained on."""
        question = _fit(question)[0]
        scores, top, ranked = self._candidates(question, _check_history(history))
        return ranked, self._check_features(question, scores, top, ranked)

    def _candidates(
        self, question: str, history: Sequence[str]
    ) -> tuple[PassageScores, np.ndarray, list[answering.ScoredSentence]]:
        """Every passage's scores, the best passages, and the sentences of the best few by stage 5's score."""
        scores, top, own = self._rank(question, history)
        candidates: dict[int, tuple[int, float]] = {}
        for p in top[:CANDIDATE_PASSAGES]:
            passage = self.passages[int(p)]
            for start, _ in passage.sentences:
                s = self._sentence_at[(passage.doc_id, start)]
                if s not in candidates or candidates[s][1] < scores.fused[p]:
                    candidates[s] = (int(p), float(scores.fused[p]))
        return scores, top, answering.score_sentences(candidates, own)

    def _check_features(
        self, question: str, scores: PassageScores, top: np.ndarray, ranked: Sequence[answering.ScoredSentence]
    ) -> np.ndarray:
        """The answer check's view of each candidate sentence (see ``check.FEATURES``)."""
        view = check.read_question(question, self.lexical.terms(question), answering.answer_pattern(question))
        place = {int(p): r for r, p in enumerate(top)}
        best_lexical = float(scores.lexical.max()) or 1.0
        query_pairs = self.lexical.pairs_of([question])[0]
        views = []
        for c, (_, span, pairs, terms) in zip(ranked, self._read([c.sentence for c in ranked])):
            s = c.sentence
            members = set(self._members[c.passage].tolist())
            views.append(
                check.CandidateView(
                    text=span,
                    terms=set(terms),
                    passage_text=self.passages[c.passage].text,
                    passage_terms={t for m in members for t in self.sentence_terms[m]},
                    document_terms=self._document_terms(self.sentences[s].doc_id),
                    cosine=float(scores.sentence[s]),
                    evidence=c.score,
                    passage_fused=float(scores.fused[c.passage]),
                    passage_dense=float(scores.dense[c.passage]),
                    passage_lexical=float(scores.lexical[c.passage]) / best_lexical,
                    passage_rank=place.get(c.passage, len(place)),
                    phrase=answering.phrase_share(query_pairs, pairs),
                )
            )
        return check.features(view, views, self._idf, len(self.sentences))

    def _document_terms(self, doc_id: str) -> frozenset[str]:
        """Every word of an article, as the lexical index sees it (made when first asked for)."""
        terms = self._doc_terms.get(doc_id)
        if terms is None:
            if self._doc_sentences is None:
                spans: dict[str, tuple[int, int]] = {}
                for i, s in enumerate(self.sentences):
                    spans[s.doc_id] = (spans.get(s.doc_id, (i, i))[0], i + 1)
                self._doc_sentences = spans
            first, last = self._doc_sentences[doc_id]
            terms = frozenset(t for s in range(first, last) for t in self.sentence_terms[s])
            self._doc_terms[doc_id] = terms
        return terms

    def _read_from(self, s: int) -> int:
        return answering.read_from(self.sentences, self._sentence_texts, s)

    def _span_text(self, first: int, last: int) -> str:
        """The document's text from sentence ``first`` to sentence ``last`` (same paragraph)."""
        a, b = self.sentences[first], self.sentences[last]
        return self.documents[a.doc_id].text[a.start : b.end]

    def _quote(self, scored: answering.ScoredSentence) -> Quote:
        """The sentence as a quote, with the sentence it points back to, or else the next sentence
        if that one points back to it: a sentence or two that read on their own."""
        start, end = answering.quote_bounds(self.sentences, self._sentence_texts, scored.sentence)
        first, last = self.sentences[start], self.sentences[end]
        doc = self.documents[first.doc_id]
        return Quote(
            text=doc.text[first.start : last.end],
            doc_id=doc.id,
            title=doc.title,
            outlet=doc.outlet,
            paragraph=first.paragraph,
            start=first.start,
            end=last.end,
            score=scored.score,
            passage=scored.passage,
        )

def _members(passages: Sequence[Passage], sentence_at: dict[tuple[str, int], int]) -> np.ndarray:
    """Each passage's sentence indices as one padded integer array (short rows repeat their last)."""
    rows = [[sentence_at[(p.doc_id, start)] for start, _ in p.sentences] for p in passages]
    width = max((len(r) for r in rows), default=0)
    return np.array([r + r[-1:] * (width - len(r)) for r in rows], dtype=np.int64).reshape(len(rows), width)


def _fit(question: str) -> tuple[str, str]:
    """The question made readable and cut to what the model reads, with a note of what changed."""
    notes = []
    if _SURROGATES.search(question):
        question = _SURROGATES.sub("\ufffd", question)
        notes.append("bytes of the question that were not UTF-8 text were replaced by \ufffd")
    if len(question) > MAX_QUESTION_CHARS:
        question = question[:MAX_QUESTION_CHARS]
        notes.append(f"the question was cut to its first {MAX_QUESTION_CHARS} characters")
    return question, "; ".join(notes)


def _check_question(question: object) -> None:
    if not isinstance(question, str):
        raise TypeError(f"question must be a str, not {type(question).__name__}")
    if not question.strip():
        raise ValueError("the question is empty")


def _check_k(k: object) -> int:
    if isinstance(k, bool):
        raise TypeError("k must be an int, not bool")
    try:
        k = operator.index(k)  # ints and NumPy integers; not floats
    except TypeError:
        raise TypeError(f"k must be an int, not {type(k).__name__}") from None
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    return k


def _check_history(history: object) -> list[str]:
    """The earlier questions as a list; a lone string is refused, not read letter by letter."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Iterable):
        raise TypeError(f"history must be a list of earlier questions (str), not {type(history).__name__}")
    history = list(history)
    for item in history:
        if not isinstance(item, str):
            raise TypeError(f"history must hold only str questions, not {type(item).__name__}")
    return [_SURROGATES.sub("\ufffd", h) for h in history]


def _check_path(name: str, value: object, optional: bool = False) -> None:
    if not (isinstance(value, (str, os.PathLike)) or (optional and value is None)):
        kind = "a path (str or os.PathLike)" + (" or None" if optional else "")
        raise TypeError(f"{name} must be {kind}, not {type(value).__name__}")

def default_cache_dir(corpus_dir: str | os.PathLike[str]) -> Path:
    """``embeddings/`` beside the corpus folder."""
    return Path(corpus_dir).resolve().parent / "embeddings"

def open(  # noqa: A001 - the library's entry point, as in ``askdefector.open(corpus)``
    corpus_dir: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str] | None = None,
    model: str = DEFAULT_MODEL,
    embedder: Embedder | None = None,
    progress: ProgressFn | None = None,
    notify: Notify | None = None,
    read_only: bool = False,
    wait_for_writers: bool = True,
) -> KnowledgeBase:
    """Load the articles under ``corpus_dir`` and build or refresh their cached embeddings.

    With ``read_only`` nothing is embedded or written: the cache must already hold every text
    (``IndexOutOfDate`` otherwise), as a server that must not change its index wants. With
    ``wait_for_writers`` False, a corpus that changed while another process is re-indexing it is
    answered from the last complete index (a note in ``report.warnings`` says so) instead of
    waiting for that process to finish."""
    _check_path("corpus_dir", corpus_dir)
    _check_path("cache_dir", cache_dir, optional=True)
    if not isinstance(model, str) or not model.strip():
        raise TypeError(f"model must be a model name or path (a non-empty str), not {model!r}")
    embedder = embedder or SentenceTransformerEmbedder(model)  # an unknown model fails before any write
    cache_dir = cache_dir if cache_dir is not None else default_cache_dir(corpus_dir)
    records = CorpusRecords(cache_dir)
    corpus = load_corpus(corpus_dir, notify, records)
    if not corpus.documents:
        bad = corpus.skipped or corpus.skipped_before
        reason = "has no readable articles" if bad else "is empty (add .txt, .md or .html files)"
        raise CorpusError(f"corpus folder {corpus_dir} {reason}")

    def build(documents: Sequence[Document], **options: object) -> KnowledgeBase:
        index = build_index(documents, embedder, cache_dir=cache_dir, progress=progress, notify=notify, **options)
        return KnowledgeBase(index, embedder)

    found = {
        "skipped": corpus.skipped,
        "skipped_before": corpus.skipped_before,
        "notes": [f"{path}: {note}" for path, note in corpus.notes],
    }
    try:
        kb = build(corpus.documents, read_only=read_only, wait_for_writers=wait_for_writers, **found)
    except IndexBusy:
        # the writer records the new corpus when its index is complete
        return _last_complete(build, records, corpus_dir) or build(corpus.documents, **found)
    if not read_only:
        records.save(notify)  # only now: corpus.json always describes a complete index
    return kb


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
