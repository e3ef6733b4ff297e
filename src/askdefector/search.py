"""Stage 4b: rank passages by cosine similarity fused with BM25; pure functions over arrays."""

from __future__ import annotations

import numpy as np

LEXICAL_WEIGHT = 0.4  # weight of the max-normalised BM25 score next to the dense score


def cosine(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosine of each row with the query; rows and query are already unit length."""
    if matrix.size == 0:
        return np.zeros(len(matrix), dtype=np.float32)
    return matrix @ query


def passage_dense(passage_cosine: np.ndarray, best_sentence: np.ndarray) -> np.ndarray:
    """Mean of a passage's own cosine and its best sentence's: a passage matches as a whole or
    through one sentence that says exactly what was asked."""
    return (passage_cosine + best_sentence) / 2


def max_normalise(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else np.zeros_like(scores)


def fuse(dense: np.ndarray, lexical: np.ndarray, weight: float = LEXICAL_WEIGHT) -> np.ndarray:
    """One score per passage: the dense score plus the weighted, max-normalised BM25 score."""
    return dense + weight * max_normalise(lexical)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first (ties broken by position)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
    else:
        part = np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]
