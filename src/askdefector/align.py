"""Stage 6's soft word match: how well each word of the question is met by some word of a
candidate sentence, read from the model's contextual token vectors (ColBERT's "MaxSim").

The answer check's other features count exact words, so to them a reader's "vehicle" missing from
a sentence that says "jeep" looks like SQuAD's swapped name. In the token vectors "vehicle" and
"jeep" lie close; a question word nothing in the sentence comes near is the stronger sign that the
sentence answers another question.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FEATURES = (
    "align_mean",  # mean over the question's content tokens of its best cosine with a sentence token
    "align_min",  # the worst-met question token
    "align_second",  # the second worst
    "align_below_05",  # how many question tokens no sentence token comes within cosine 0.5 of
    "align_below_06",
    "align_back",  # mean over the sentence's tokens of its best cosine with a question token
    "align_mean_gap",  # how far below the best candidate's mean
    "align_min_gap",  # how far below the best candidate's worst-met token
)

# Tokens that carry no content of their own: a question's "what", "the", "?" matter to no answer.
_STOP = frozenset(
    "a an the of in on at to for by with from and or but is are was were be been being do does did what which who "
    "whom whose when where why how that this these those it its as into than then there their they he she his her "
    "him i you we our your has have had not no can could would should will shall may might must about over under "
    "after before during between s".split()
)

Tokens = tuple[Sequence[str], np.ndarray]  # a text's tokens and their unit vectors, one row each


def _content(tokens: Sequence[str]) -> np.ndarray:
    return np.array([t not in _STOP and t[:1] != "[" and any(ch.isalnum() for ch in t) for t in tokens], dtype=bool)


def alignment(question: Tokens, sentences: Sequence[Tokens]) -> np.ndarray:
    """One row of ``FEATURES`` per sentence. Special tokens ([CLS], [SEP]) are left out."""
    tokens, vectors = question
    keep = _content(tokens)
    q = vectors[keep] if keep.any() else vectors[[t[:1] != "[" for t in tokens]]
    rows = []
    for s_tokens, s_vectors in sentences:
        s = s_vectors[[t[:1] != "[" for t in s_tokens]]
        if len(q) == 0 or len(s) == 0:
            rows.append((0.0, 0.0, 0.0, float(len(q)), float(len(q)), 0.0))
            continue
        sims = q @ s.T
        best = np.sort(sims.max(axis=1))
        rows.append(
            (
                float(best.mean()),
                float(best[0]),
                float(best[min(1, len(best) - 1)]),
                float((best < 0.5).sum()),
                float((best < 0.6).sum()),
                float(sims.max(axis=0).mean()),
            )
        )
    f = np.asarray(rows, dtype=np.float64).reshape(len(rows), 6)
    if len(f) == 0:
        return np.zeros((0, len(FEATURES)))
    return np.hstack([f, f[:, :2].max(axis=0) - f[:, :2]])

