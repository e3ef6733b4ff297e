"""Stage 5: choose verbatim sentences from the best passages as the answer, or decline.

A sentence's evidence is its own cosine with the question, how much of the question's wording it
holds (each word weighted by its rarity), how many of the question's two-word phrases it holds,
and a bonus when it holds what the question asks for (a number, a date, a reason). Evidence
re-ranks the best passages, and a sentence's quote score adds its passage's fused score.

A sentence that can't be read alone (it opens with "It", "This"... or goes on with a quotation)
is judged and quoted with the sentence before it; a quote takes in the next sentence when that
one points back to it. The answer is the best sentence plus any sentence from another paragraph
or document that scores nearly as well (so a fact both articles state is cited from both). Below
``DECLINE_BELOW`` the articles are taken not to answer.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from .stores import SentenceRecord

SENTENCE_WEIGHT = 1.0  # cosine of the sentence itself
PASSAGE_WEIGHT = 0.5  # fused score of its best passage
COVERAGE_WEIGHT = 0.7  # IDF-weighted share of the question's words it contains
PHRASE_WEIGHT = 0.5  # share of the question's adjacent word pairs it contains
BEST_SENTENCE_WEIGHT = 0.3  # a top passage's rank gains this times its best sentence's evidence
DECLINE_BELOW = 0.37  # best sentence cosine under which the question is declined
MARGIN = 0.9  # other quotes must score at least this share of the best
CORROBORATE = 0.85  # another document's best sentence is quoted when its passage scores this share of the best passage
TYPE_WEIGHT = 0.7  # bonus for holding what the question asks for (a number, a date, a reason)
MAX_QUOTES = 3

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b(?:{_MONTHS}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.|1[5-9]\d\d|20\d\d|\d+(?:st|nd|rd|th) century|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|half|once|twice)\b", re.I)
_ASKS_DATE = re.compile(r"^\s*(?:(?:on|in|by|at|since|until) )?(?:when|what (?:year|date|month|day|time|century|decade)|in (?:what|which) (?:year|month|century|decade))\b", re.I)
_REASON = re.compile(r"\b(?:because|due to|owing to|thanks to|caused by|in order to|so that|for fear|reason)\b", re.I)
_ASKS_REASON = re.compile(r"^\s*why\b", re.I)
_ASKS_NUMBER = re.compile(r"\bhow (?:many|much|old|long|far|big|large|tall|high|often)\b|\bwhat (?:percentage|percent|share|proportion|number|amount)\b", re.I)
# A sentence opening like this points back to the one before it, which is needed to read it.
REFERS_BACK = re.compile(
    r"^\W*(?:It|Its|This|These|That|Those|He|She|They|His|Her|Their|Them|Such|The latter|The former"
    r"|(?:Most|Some|All|Many|Each|One|Both|None) of (?:these|them|those|which))\b"
)


@dataclass(frozen=True)
class ScoredSentence:
    sentence: int  # the sentence's id in the store
    passage: int  # the store id of the best passage that holds it
    score: float
    passage_score: float = 0.0  # that passage's fused score


def coverage(query_terms: Collection[str], sentence_terms: Collection[str], idf: Mapping[str, float]) -> float:
    """IDF-weighted share of the distinct query terms that occur in the sentence."""
    distinct = set(query_terms)
    total = sum(idf.get(t, 0.0) for t in distinct)
    return sum(idf.get(t, 0.0) for t in distinct.intersection(sentence_terms)) / total if total else 0.0


def answer_pattern(question: str) -> re.Pattern[str] | None:
    """What the answer must hold, judged from the question's wording: a date, a number, a reason
    ("because ..."), or None."""
    if _ASKS_DATE.search(question):
        return _DATE
    if _ASKS_NUMBER.search(question):
        return _NUMBER
    if _ASKS_REASON.search(question):
        return _REASON
    return None


def leaves_quote_open(text: str) -> bool:
    """Whether ``text`` opens a quotation it doesn't close (the next sentence goes on with it)."""
    return text.count("\u201c") > text.count("\u201d") or text.count('"') % 2 == 1


def refers_back(sentences: Mapping[int, SentenceRecord], s: int) -> bool:
    """Whether sentence ``s`` can't be read without the one before it in its paragraph: it opens
    by pointing back ("It", "This", "He" ...), or it goes on with a quotation that the one before
    opened. ``sentences`` holds ``s`` and the sentence before it."""
    before = sentences[s].before
    if before is None:
        return False
    return REFERS_BACK.match(sentences[s].text) is not None or leaves_quote_open(sentences[before].text)


def read_from(sentences: Mapping[int, SentenceRecord], s: int) -> int:
    """The sentence a reader must start from to understand sentence ``s``."""
    before = sentences[s].before
    return before if before is not None and refers_back(sentences, s) else s


def quote_bounds(sentences: Mapping[int, SentenceRecord], s: int) -> tuple[int, int]:
    """First and last sentence of the quote for sentence ``s``: with the sentence it points back
    to, or else the next sentence if that one points back to it; a sentence or two that read alone.
    ``sentences`` holds ``s`` and its neighbours."""
    start = read_from(sentences, s)
    after = sentences[s].after
    end = after if start == s and after is not None and refers_back(sentences, after) else s
    return start, end


def phrase_share(query_pairs: Collection[tuple[str, str]], sentence_pairs: Collection[tuple[str, str]]) -> float:
    """Share of the question's word pairs that the sentence holds too."""
    return len(set(query_pairs).intersection(sentence_pairs)) / len(query_pairs) if query_pairs else 0.0


@dataclass(frozen=True)
class Query:
    """The question as its sentences are judged: stemmed words (with a follow-up's history),
    stemmed word pairs of the question itself, and what the answer must hold."""

    terms: Sequence[str]
    pairs: Collection[tuple[str, str]]
    wanted: re.Pattern[str] | None = None


def evidence(
    query: Query,
    cosine: float,
    terms: Collection[str],
    pairs: Collection[tuple[str, str]],
    text: str,
    idf: Mapping[str, float],
) -> float:
    """How well one sentence answers the question on its own, wherever it sits."""
    return (
        SENTENCE_WEIGHT * cosine
        + COVERAGE_WEIGHT * coverage(query.terms, terms, idf)
        + PHRASE_WEIGHT * phrase_share(query.pairs, pairs)
        + (TYPE_WEIGHT if query.wanted is not None and query.wanted.search(text) else 0.0)
    )


def score_sentences(candidates: Mapping[int, tuple[int, float]], own: Mapping[int, float]) -> list[ScoredSentence]:
    """Score each candidate sentence (index -> (best passage, its fused score)) by its own
    ``evidence`` plus its passage's score, best first."""
    scored = [
        ScoredSentence(s, passage, own[s] + PASSAGE_WEIGHT * passage_score, passage_score)
        for s, (passage, passage_score) in candidates.items()
    ]
    scored.sort(key=lambda c: (-c.score, c.sentence))
    return scored


def select(
    ranked: Sequence[ScoredSentence], place: Sequence[tuple[str, int]], limit: int = MAX_QUOTES
) -> list[ScoredSentence]:
    """The best sentence, close runners-up from other paragraphs, and the best sentence of each
    other document whose passage ranks nearly as high (``place`` = (doc, paragraph) per sentence)."""
    if not ranked:
        return []
    best = ranked[0]
    top_passage = max(c.passage_score for c in ranked)
    chosen = [best]
    places = {place[best.sentence]}
    for cand in ranked[1:]:
        where = place[cand.sentence]
        if where in places:
            continue
        if all(where[0] != p[0] for p in places):
            keep = cand.passage_score >= CORROBORATE * top_passage
        else:
            keep = cand.score >= MARGIN * best.score
        if keep:
            chosen.append(cand)
            places.add(where)
    return chosen[:limit]


def select_read(
    judged: Sequence[ScoredSentence], place: Mapping[int, tuple[str, int]], threshold: float, limit: int = MAX_QUOTES
) -> list[ScoredSentence]:
    """The reader's best sentence, and the best of each other paragraph that the reader also
    judges to answer (probability at least ``threshold``): so a fact each outlet states is quoted
    from each. ``judged`` is best first, scored by the reader's probability."""
    chosen: list[ScoredSentence] = []
    places: set[tuple[str, int]] = set()
    for cand in judged:
        if chosen and cand.score < threshold:
            break
        if place[cand.sentence] not in places:
            chosen.append(cand)
            places.add(place[cand.sentence])
    return chosen[:limit]
