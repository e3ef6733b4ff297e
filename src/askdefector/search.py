"""Stage 4b: rank passages by cosine similarity fused with BM25; pure functions over arrays."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

LEXICAL_WEIGHT = 0.4  # weight of the max-normalised BM25 score next to the dense score
_blas = threading.Lock()
_blas_users = 0
_blas_limit = None


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


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """NumPy's BLAS on one thread while questions are answered, restored after the last one in
    flight. onnxruntime's threads spin on both cores for a while after each model run, and the
    vector products between runs waited for OpenBLAS's second thread: ``kb.ask`` took twice as
    long on SQuAD's 2,175 passages. One product of a few thousand rows needs no second thread."""
    global _blas_users, _blas_limit
    with _blas:
        if _blas_users == 0:
            _blas_limit = _blas_controller().limit(limits=1)
        _blas_users += 1
    try:
        yield
    finally:
        with _blas:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limit.restore_original_limits()
