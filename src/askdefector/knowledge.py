"""The engine: documents, passages, vectors and the lexical index, behind ``search`` and ``ask``."""

from __future__ import annotations

import dataclasses
import operator
import os
import re
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import NamedTuple, TypeVar

import numpy as np

from . import answer as answering
from . import compare as sides
from . import reader as reading
from .cache.files import Notify
from .embeddings import DEFAULT_MODEL, Embedder, ProgressFn, for_questions, make_embedder
from .indexing import Index, IndexReport, build_index
from .search import fuse, one_blas_thread, passage_dense, top_k
from .stores import Reader, SentenceRecord, Store
from .stores.columns import DamagedText
from .stores.local import LocalStore
from .types import Answer, Document, Hit, Passage, Quote

MAX_QUESTION_CHARS = 1000  # the model reads 256 word pieces, about this many characters
CANDIDATE_PASSAGES = 5  # passages whose sentences compete for the quote
RERANK_DEPTH = 10  # passages re-ranked by their best sentence
HISTORY_WEIGHT = 1.0  # weight of the previous question in the query of a follow-up that does not stand alone
CORROBORATE_SHARE = 0.55  # another article's sentence scoring this share of the first quote's is read to corroborate
CORROBORATE_READS = 1  # ... at most this many (a read costs a few ms)
READ_CANDIDATES = 16  # stage 5's best sentences that the reader reads
TYPED_READS = 2  # ... of them read when no quote marks a value of the kind asked (a number, a date)
NEAREST = 100  # with an approximate index: candidates from each ranking that are scored in full
# Lone surrogates: how Python hands over bytes that are not UTF-8 (command-line arguments); no
# tokenizer or UTF-8 output takes them.
_SURROGATES = re.compile("[\ud800-\udfff]")
T = TypeVar("T")

class PassageScores(NamedTuple):
    """The candidate passages' scores under each ranking, for one question (on a small store
    every passage is a candidate)."""

    passages: np.ndarray  # the candidates' store ids
    dense: np.ndarray  # cosine similarity, raised by the passage's best sentence
    lexical: np.ndarray  # BM25
    fused: np.ndarray  # dense + weighted BM25
    sentence: np.ndarray  # cosine of each candidate's closest sentence
    ranked: np.ndarray  # fused, the top passages raised by their best sentence: what ``search`` ranks by


class _Question(NamedTuple):
    """What one question found: its passages' scores, the best passages (positions among the
    candidates, best first), its sentences read, and their cosines."""

    scores: PassageScores
    top: np.ndarray
    members: dict[int, list[int]]  # the sentence ids of each top passage, by its position
    sentences: dict[int, SentenceRecord]
    cosine: dict[int, float]
    evidence: dict[int, float]
    text: str  # the question as read, after the previous one when it leans on it
    read: dict[int, tuple[int, str, set[tuple[str, str]], Collection[str]]]  # ``_read`` of each sentence scored


class KnowledgeBase:
    """Articles ready to be searched and quoted. Build with ``open`` or ``from_documents``."""

    def __init__(
        self,
        store: Store | Index,
        embedder: Embedder,
        query_encoder: Embedder | None = None,
        report: IndexReport | None = None,
    ) -> None:
        """Answer from ``store`` (or a built ``Index``, see ``build_index``); ``embedder`` is the
        model it was built with, ``query_encoder`` a faster equivalent for questions."""
        if isinstance(store, Index):
            query_encoder = query_encoder or store.query_encoder
            report = report or store.report
            store = LocalStore.from_index(store)
        self.store = store
        self.analyzer = store.analyzer
        self.embedder = embedder
        self.query_encoder = query_encoder or for_questions(embedder)
        if report is None:
            with store.reading() as reader:
                size = reader.size()
            report = IndexReport(size.documents, size.passages, size.sentences, 0, "")
        self.report = report
        self._recent: dict[str, np.ndarray] = {}
        self._recent_lock = threading.Lock()  # a server asks from many threads at once
        # Stage 6, the reader (reader.py): it reads stage 5's quotes with the question, gives the
        # confidence and marks the answer inside each quote it judges to hold one. With
        # ``reader_decides`` it also reads stage 5's best candidates, orders them and declines: off by
        # default, since on the hand-written gold questions it loses three that stage 5 gets (README, "The reader").
        self.reader: reading.Reader | None = reading.shipped()
        self.reader_decides = False

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
        check_path("cache_dir", cache_dir, optional=True)
        embedder = embedder or make_embedder(model)
        return cls(build_index(documents, embedder, cache_dir, progress, notify=notify), embedder)

    def close(self) -> None:
        """Release the store's connections, if it holds any (a PostgreSQL store); the local store holds none."""
        close = getattr(self.store, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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

    def _query(self, question: str, previous: str | None) -> tuple[np.ndarray, str]:
        """The query vector and lexical query text, leaning on the previous question if given."""
        vector = self.embed_question(question)
        text = question
        if previous:
            vector = vector + HISTORY_WEIGHT * self.embed_question(previous)
            vector = vector / np.linalg.norm(vector)
            text = f"{previous} {question}"
        return vector.astype(np.float32), text

    def _scores(self, reader: Reader, vector: np.ndarray, terms: Sequence[str]) -> PassageScores:
        """Dense, lexical and fused score of the candidate passages, and their sentences' cosines."""
        found = reader.candidates(vector, terms, NEAREST)
        best = self._similarity(found.best)
        dense = passage_dense(self._similarity(found.dense), best)
        fused = fuse(dense, found.lexical)  # the store's best BM25 score is among the candidates
        return PassageScores(found.passages, dense, found.lexical, fused, best, fused)

    def _similarity(self, cosine):
        """Cosines on the scale the weights and thresholds were set on (MiniLM's): a model whose
        cosines crowd into a narrow band (e5's) carries a linear map to it."""
        scale = getattr(self.embedder, "cosine_scale", None)
        return cosine if scale is None else scale[0] * cosine + scale[1]

    def _rank(self, reader: Reader, question: str, history: Sequence[str] | None) -> _Question:
        """The question ranked alone, or, when no sentence comes close enough to answer it alone
        (a follow-up such as "How many times?"), leaning on the previous question."""
        asked = self._rank_query(reader, question, None)
        previous = [h for h in (history or []) if h.strip()][-1:]
        if previous and asked.scores.sentence.max() < answering.DECLINE_BELOW:
            asked = self._rank_query(reader, question, previous[0])
        return asked

    def _rank_query(self, reader: Reader, question: str, previous: str | None) -> _Question:
        """The candidates' scores, the best passages in order, and the evidence of their sentences."""
        vector, text = self._query(question, previous)
        terms = self.analyzer.terms_of([text])[0]
        scores = self._scores(reader, vector, terms)
        query = answering.Query(terms, self.analyzer.pairs_of([question])[0], answering.answer_pattern(question))
        top = top_k(scores.fused, RERANK_DEPTH)
        members = dict(zip(top.tolist(), reader.members(scores.passages[top].tolist())))
        cosine = reader.sentence_cosines(list(dict.fromkeys(s for m in members.values() for s in m)), vector)
        cosine = {s: float(self._similarity(c)) for s, c in cosine.items()}
        sentences = self._sentences(reader, cosine)
        idf = reader.idf(query.terms)
        read = dict(zip(cosine, self._read(reader, sentences, list(cosine))))
        own = {s: answering.evidence(query, cosine[s], terms, pairs, span, idf) for s, (_, span, pairs, terms) in read.items()}
        ranked = scores.fused.copy()
        for p in top:  # never lowered, so the re-ranked passages stay above all others
            ranked[p] += answering.BEST_SENTENCE_WEIGHT * max(0.0, max(own[s] for s in members[int(p)]))
        top = top[np.argsort(-ranked[top], kind="stable")]
        return _Question(scores._replace(ranked=ranked), top, members, sentences, cosine, own, text, read)

    @staticmethod
    def _sentences(reader: Reader, ids: Iterable[int]) -> dict[int, SentenceRecord]:
        """The sentences ``ids`` and their neighbours in their paragraphs: what reading and quoting them needs."""
        found = reader.sentences(set(ids))
        around = {n for r in found.values() for n in (r.before, r.after) if n is not None and n not in found}
        found.update(reader.sentences(around))
        return found

    def _read(
        self, reader: Reader, sentences: dict[int, SentenceRecord], ids: Sequence[int]
    ) -> list[tuple[int, str, set[tuple[str, str]], Collection[str]]]:
        """Each sentence as a reader takes it: (the sentence it is read from, that text, its word
        pairs, its words); a sentence that points back is read with the one before it."""
        first = [answering.read_from(sentences, s) for s in ids]
        spans = [self._span_text(reader, sentences, a, s) for a, s in zip(first, ids)]
        return [
            (a, span, pairs, sentences[s].terms if a == s else {*sentences[a].terms, *sentences[s].terms})
            for s, a, span, pairs in zip(ids, first, spans, self.analyzer.pairs_of(spans))
        ]

    @staticmethod
    def _span_text(reader: Reader, sentences: dict[int, SentenceRecord], first: int, last: int) -> str:
        """The document's text from sentence ``first`` to sentence ``last`` (same paragraph)."""
        if first == last:
            return sentences[last].text
        a, b = sentences[first], sentences[last]
        return reader.document(a.doc_id).text[a.start : b.end]

    def passage_scores(self, question: str, history: Sequence[str] | None = None) -> PassageScores:
        """The candidate passages' dense, lexical, fused and final scores: the rankings side by side."""
        _check_question(question)
        history = _check_history(history)
        question, _ = _fit(question)
        return self._intact(lambda reader: self._rank(reader, question, history).scores)[0]

    def _intact(self, run: Callable[[Reader], T]) -> tuple[T, list[str]]:
        """``run`` on one version of the store, and notes of what it left out: an article whose
        saved text or vectors fail their checks (found as read, on a big store) is left out by the
        store and the question asked again, so nothing damaged is ever quoted."""
        notes: list[str] = []
        while True:
            try:
                with one_blas_thread(), self.store.reading() as reader:
                    return run(reader), notes
            except DamagedText as exc:
                note = f"{exc}, so this answer leaves it out: run askdefector index"
                if note in notes:  # the store didn't leave it out: never loop
                    raise
                notes.append(note)

    def search(self, question: str, k: int = 5, history: Sequence[str] | None = None) -> list[Hit]:
        """The ``k`` passages closest to the question, best first."""
        _check_question(question)
        k = _check_k(k)
        history = _check_history(history)
        question, _ = _fit(question)
        return self._intact(lambda reader: self._hits(reader, question, history, k))[0]

    def _hits(self, reader: Reader, question: str, history: Sequence[str], k: int) -> list[Hit]:
        ranked = self._rank(reader, question, history).scores
        order = top_k(ranked.ranked, k)
        hits = []
        for p, passage in zip(order, reader.passages(ranked.passages[order])):
            doc = reader.document(passage.doc_id)
            hits.append(
                Hit(
                    passage.doc_id, doc.title, passage.text, passage.start, passage.end,
                    float(ranked.ranked[p]), passage.paragraph, passage.id, doc.outlet,
                )
            )
        return hits

    def ask(self, question: str, history: Sequence[str] | None = None, k: int = answering.MAX_QUOTES) -> Answer:
        """Answer with at most ``k`` verbatim quotes, best first; ``found`` is False when the articles don't say."""
        _check_question(question)
        k = _check_k(k)
        history = _check_history(history)
        question, note = _fit(question)
        answer, left_out = self._intact(lambda reader: self._answer(reader, question, history, k))
        notes = [n for n in (note, *left_out) if n]
        return dataclasses.replace(answer, note="; ".join(notes)) if notes else answer

    def _answer(self, reader: Reader, question: str, history: Sequence[str], k: int) -> Answer:
        asked, ranked, passages = self._candidates(reader, question, history)
        if not ranked:
            return Answer(question, False)
        places = {s: (r.doc_id, r.paragraph) for s, r in asked.sentences.items()}  # one quote per place
        spans: dict[int, tuple[int, int]] = {}
        if self.reader is not None and self.reader_decides:
            judged, spans = self._judge(reader, asked, ranked[:READ_CANDIDATES])
            confidence = judged[0].score
            found = confidence >= self.reader.threshold
            if found:
                chosen = answering.select_read(judged, places, self.reader.threshold, limit=k)
            else:  # the closest passages, shown as just that
                chosen, spans = answering.select(ranked, places, limit=k), {}
        else:
            chosen = answering.select(ranked, places, limit=k)
            # how close the closest sentence of all comes; a mapped e5 cosine can pass 1
            confidence = min(1.0, max(0.0, float(asked.scores.sentence.max())))
            found = confidence >= answering.DECLINE_BELOW
            if self.reader is not None:  # the reader judges the chosen quotes and marks their answers
                # declined: only the first quote's probability is used (the answer's confidence)
                judged, spans = self._judge(reader, asked, chosen if found else chosen[:1])
                probability = {c.sentence: c.score for c in judged}
                spans = spans if found else {}
                wanted = sides.asks_for(question)  # a number, date or time; None for names and the rest
                if found and wanted is not None:
                    chosen = self._typed_first(reader, asked, wanted, ranked, chosen, places, spans, probability, k)
                confidence = probability[chosen[0].sentence]
                if chosen[0].sentence in spans and k > 1:
                    chosen = self._corroborate(reader, asked, wanted, chosen, places, spans, k)
                    missing = [c.passage for c in chosen if c.passage not in passages]
                    passages.update(zip(missing, reader.passages(missing)))
        low = found and self.reader is not None and confidence < self.reader.threshold
        quotes = tuple(self._quote(reader, asked.sentences, c, passages[c.passage], spans.get(c.sentence)) for c in chosen)
        agreement = None
        if found and spans:
            texts = {q.doc_id: reader.document(q.doc_id).text for q in quotes}
            quotes, agreement = sides.side_by_side(question, quotes, texts)
        return Answer(question, found, quotes, confidence, "", low, agreement)

    def document(self, doc_id: str) -> Document | None:
        """The article with this id (``Quote.doc_id``), or None if the index has none; raises
        ``DamagedText`` (a ``ValueError``) when its saved text fails its checksum."""
        with self.store.reading() as reader:
            try:
                return reader.document(doc_id)
            except KeyError:
                return None

    def passage(self, key: str) -> Passage | None:
        """The passage with this stable id (``Hit.passage``, ``Quote.passage``), or None if it is gone."""
        with self.store.reading() as reader:
            return reader.passage(key)

    def _candidates(
        self, reader: Reader, question: str, history: Sequence[str]
    ) -> tuple[_Question, list[answering.ScoredSentence], dict[int, Passage]]:
        """What the question found, the sentences of the best few passages by stage 5's score,
        and those passages by store id."""
        asked = self._rank(reader, question, history)
        ids = [int(i) for i in asked.scores.passages[asked.top[:CANDIDATE_PASSAGES]]]
        passages = dict(zip(ids, reader.passages(ids)))
        return asked, self._scored(asked, CANDIDATE_PASSAGES), passages

    @staticmethod
    def _scored(asked: _Question, count: int) -> list[answering.ScoredSentence]:
        """The sentences of the best ``count`` passages by stage 5's score, best first."""
        scores = asked.scores
        best: dict[int, tuple[int, float]] = {}
        for p in asked.top[:count]:
            passage, fused = int(scores.passages[p]), float(scores.fused[p])
            for s in asked.members[int(p)]:
                if s not in best or best[s][1] < fused:
                    best[s] = (passage, fused)
        return answering.score_sentences(best, asked.evidence)

    def _judge(
        self, reader: Reader, asked: _Question, considered: Sequence[answering.ScoredSentence]
    ) -> tuple[list[answering.ScoredSentence], dict[int, tuple[int, int]]]:
        """``considered`` as the reader judges them (score: its probability that the candidate
        answers), best first, and the answer's span (document offsets) in those it judges to
        answer. Each is read as the ranking reads it, after its article's title."""
        titles: dict[str, str] = {}  # candidates share a few articles (one query each on PostgreSQL)
        items = []
        for c in considered:
            doc_id = asked.sentences[c.sentence].doc_id
            if doc_id not in titles:
                titles[doc_id] = reader.document(doc_id).title
            items.append((titles[doc_id], asked.read[c.sentence][1]))
        readings = self.reader.read(asked.text, items)
        judged = [dataclasses.replace(c, score=r.probability) for c, r in zip(considered, readings)]
        spans = {}
        for c, r in zip(considered, readings):
            if r.span is not None and r.probability >= self.reader.threshold:
                begin = asked.sentences[asked.read[c.sentence][0]].start
                spans[c.sentence] = (begin + r.span[0], begin + r.span[1])
        order = sorted(range(len(judged)), key=lambda i: (-judged[i].score, i))  # ties: stage 5's order
        return [judged[i] for i in order], spans

    def _typed_first(
        self,
        reader: Reader,
        asked: _Question,
        wanted: str,
        ranked: Sequence[answering.ScoredSentence],
        chosen: list[answering.ScoredSentence],
        places: dict[int, tuple[str, int]],
        spans: dict[int, tuple[int, int]],
        probability: dict[int, float],
        k: int,
    ) -> list[answering.ScoredSentence]:
        """``chosen`` with the first quote whose marked answer is of the kind ``wanted`` (a number
        for "how many", a time for "what time") moved first, when the first is not: the reader
        marked "Thursday" for "What time did it start?", a later quote marked "7:12 a.m". When
        none is, the reader also reads the best ``TYPED_READS`` candidates holding a value of that
        kind (a regex look first). Fills ``spans`` and ``probability`` for them."""
        typed = [c for c in chosen if c.sentence in spans and _holds(reader, places, spans, c.sentence, wanted)]
        if typed:
            first = typed[0]
        else:
            read = {c.sentence for c in chosen}
            more = [c for c in ranked[:READ_CANDIDATES] if c.sentence not in read and sides.holds(asked.read[c.sentence][1], wanted)]
            if not more:
                return chosen
            judged, marked = self._judge(reader, asked, more[:TYPED_READS])
            probability.update((c.sentence, c.score) for c in judged)
            spans.update(marked)
            first = next((c for c in more[:TYPED_READS] if c.sentence in marked and _holds(reader, places, spans, c.sentence, wanted)), None)
            if first is None:
                return chosen
        where = places[first.sentence]
        return [first, *(c for c in chosen if places[c.sentence] != where)][:k]  # one quote per paragraph

    def _corroborate(
        self,
        reader: Reader,
        asked: _Question,
        wanted: str | None,
        chosen: list[answering.ScoredSentence],
        places: dict[int, tuple[str, int]],
        spans: dict[int, tuple[int, int]],
        k: int,
    ) -> list[answering.ScoredSentence]:
        """``chosen`` with the answer as another article states it. When the first quote's marked
        answer is a value of the kind ``wanted`` (a number, date or time), or a name when no kind
        is asked, the reader also reads the best sentence of up to ``CORROBORATE_READS`` articles
        not yet stating it, among the sentences of the ``RERANK_DEPTH`` best passages, that hold a
        value of that kind and measure and score nearly as high (``CORROBORATE_SHARE``), or that
        hold a time of day or the name's last word at any score (rare in text, they are a close
        enough look of their own); a regex look first, so most questions read nothing more. Each
        it marks (for a name: with the same name, narrowed to it) is quoted after the quotes
        already stating the answer. Fills ``spans`` for them."""
        first = chosen[0]
        value = _value(reader, places, spans, first.sentence, wanted)
        if value is None or value.kind != (wanted or "words"):
            return chosen
        stating = [c for c in chosen if c.sentence in spans and _holds(reader, places, spans, c.sentence, wanted)]
        done = {places[c.sentence][0] for c in stating}  # articles already stating it
        quoted = {places[c.sentence] for c in chosen}
        others: dict[str, answering.ScoredSentence] = {}
        for c in self._scored(asked, RERANK_DEPTH)[:READ_CANDIDATES]:
            doc = places[c.sentence][0]
            if doc in done or doc in others or places[c.sentence] in quoted:
                continue
            if value.kind not in ("words", "time") and c.score < CORROBORATE_SHARE * first.score:
                continue
            if sides.states(asked.read[c.sentence][1], value):
                others[doc] = c
                if len(others) == CORROBORATE_READS:
                    break
        if not others:
            return chosen
        _, found = self._judge(reader, asked, list(others.values()))
        added = []
        for c in others.values():
            span, text = found.get(c.sentence), reader.document(places[c.sentence][0]).text
            if span is not None and value.kind == "words":  # the name inside a longer mark
                inside = sides.name_in(text[span[0] : span[1]], value)
                span = None if inside is None else (span[0] + inside[0], span[0] + inside[1])
            if span is not None:
                spans[c.sentence] = span
                added.append(c)
        return [*stating, *added, *(c for c in chosen if c not in stating)][:k]

    @staticmethod
    def _quote(
        reader: Reader,
        sentences: dict[int, SentenceRecord],
        scored: answering.ScoredSentence,
        passage: Passage,
        answer: tuple[int, int] | None = None,
    ) -> Quote:
        """The sentence as a quote, with the sentence it points back to, or else the next sentence
        if that one points back to it: a sentence or two that read on their own. ``answer`` is the
        answer's span inside it (document offsets), when the reader marked one."""
        start, end = answering.quote_bounds(sentences, scored.sentence)
        first, last = sentences[start], sentences[end]
        doc = reader.document(first.doc_id)
        return Quote(
            text=doc.text[first.start : last.end],
            doc_id=doc.id,
            title=doc.title,
            outlet=doc.outlet,
            paragraph=first.paragraph,
            start=first.start,
            end=last.end,
            score=scored.score,
            passage=passage.id,
            answer_start=answer[0] if answer else None,
            answer_end=answer[1] if answer else None,
            date=doc.date,
        )


def _value(
    reader: Reader, places: dict[int, tuple[str, int]], spans: dict[int, tuple[int, int]], sentence: int, wanted: str | None
) -> sides.Value | None:
    """The answer marked in ``sentence`` read as a value for a question asking for ``wanted``."""
    start, end = spans[sentence]
    return sides.value_of(reader.document(places[sentence][0]).text[start:end], wanted)


def _holds(
    reader: Reader, places: dict[int, tuple[str, int]], spans: dict[int, tuple[int, int]], sentence: int, wanted: str | None
) -> bool:
    """Whether the answer marked in ``sentence`` is a value of the kind ``wanted`` (a name when None)."""
    value = _value(reader, places, spans, sentence, wanted)
    return value is not None and value.kind == (wanted or "words")


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


def check_path(name: str, value: object, optional: bool = False) -> None:
    """Refuse an argument that should be a path (``TypeError``, naming it)."""
    if not (isinstance(value, (str, os.PathLike)) or (optional and value is None)):
        kind = "a path (str or os.PathLike)" + (" or None" if optional else "")
        raise TypeError(f"{name} must be {kind}, not {type(value).__name__}")
