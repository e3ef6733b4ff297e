"""Stage 5: choose verbatim sentences from the best passages as the answer, or decline.

A sentence's score adds its own cosine with the question, the fused score of the best passage
holding it, and how many of the question's words it contains. The answer is the best sentence
plus any sentence from another paragraph or document that scores nearly as well (so a fact both
articles state is cited from both). Below ``DECLINE_BELOW`` the articles are taken not to answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SENTENCE_WEIGHT = 1.0  # cosine of the sentence itself
PASSAGE_WEIGHT = 0.5  # fused score of its best passage
COVERAGE_WEIGHT = 0.3  # share of the question's words it contains
DECLINE_BELOW = 0.3  # best passage cosine under which the question is declined
MARGIN = 0.9  # other quotes must score at least this share of the best
CORROBORATE = 0.7  # ... or this share when they come from another document
TYPE_WEIGHT = 0.1  # bonus for holding what the question asks for (a number, a date)
MAX_QUOTES = 3

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b(?:{_MONTHS}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.|1[5-9]\d\d|20\d\d|\d+(?:st|nd|rd|th) century|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|half|once|twice)\b", re.I)
_ASKS_DATE = re.compile(r"^\s*(?:when|what (?:year|date|month|day|time|century|decade)|in (?:what|which) (?:year|month|century|decade))\b", re.I)
_ASKS_NUMBER = re.compile(r"\bhow (?:many|much|old|long|far|big|large|tall|high|often)\b|\bwhat (?:percentage|percent|share|proportion|number|amount)\b", re.I)


@dataclass(frozen=True)
class ScoredSentence:
    sentence: int  # index into the knowledge base's sentences
    passage: int  # the best passage that holds it
    score: float


def coverage(query_terms: Sequence[str], sentence_terms: frozenset[str]) -> float:
    """Share of the distinct query terms that occur in the sentence."""
    distinct = set(query_terms)
    return len(distinct & sentence_terms) / len(distinct) if distinct else 0.0


def answer_pattern(question: str) -> re.Pattern[str] | None:
    """What the answer must hold, judged from the question's wording: a date, a number, or None."""
    if _ASKS_DATE.search(question):
        return _DATE
    if _ASKS_NUMBER.search(question):
        return _NUMBER
    return None


def score_sentences(
    candidates: dict[int, tuple[int, float]],
    sentence_cosine: np.ndarray,
    sentence_terms: Sequence[frozenset[str]],
    query_terms: Sequence[str],
    sentence_texts: Sequence[str],
    wanted: re.Pattern[str] | None = None,
) -> list[ScoredSentence]:
    """Score each candidate sentence (index -> (best passage, its fused score)), best first."""
    scored = [
        ScoredSentence(
            s,
            passage,
            SENTENCE_WEIGHT * float(sentence_cosine[s])
            + PASSAGE_WEIGHT * passage_score
            + COVERAGE_WEIGHT * coverage(query_terms, sentence_terms[s])
            + (TYPE_WEIGHT if wanted is not None and wanted.search(sentence_texts[s]) else 0.0),
        )
        for s, (passage, passage_score) in candidates.items()
    ]
    scored.sort(key=lambda c: (-c.score, c.sentence))
    return scored


def select(
    ranked: Sequence[ScoredSentence], place: Sequence[tuple[str, int]], limit: int = MAX_QUOTES
) -> list[ScoredSentence]:
    """The best sentence, close runners-up from other paragraphs, and the best of each other
    document that nearly matches (``place`` = (doc, paragraph) of each sentence)."""
    if not ranked:
        return []
    best = ranked[0]
    chosen = [best]
    places = {place[best.sentence]}
    for cand in ranked[1:]:
        where = place[cand.sentence]
        if where in places:
            continue
        other_doc = all(where[0] != p[0] for p in places)
        if cand.score >= (CORROBORATE if other_doc else MARGIN) * best.score:
            chosen.append(cand)
            places.add(where)
    return chosen[:limit]
