"""Stage 4c: the passage vectors nearest a question, exact for small corpora, approximate for large.

Up to ``ANN_ABOVE`` passages, one NumPy product over all vectors is exact and takes a few
milliseconds. Above it, a faiss inverted-file index over 8-bit quantised vectors scans the
``PROBES`` clusters nearest the question and proposes ``RESCORE`` times as many candidates as
wanted; those are re-scored exactly with the float32 vectors. Scanning a few clusters keeps
search in milliseconds at a million passages, and re-scoring restores the recall that
quantisation costs. The index is saved beside the vector cache and memory-mapped when opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from .cache.files import atomic_write_bytes
from .search import top_k

ANN_ABOVE = 50_000  # passages: past this, exact scoring of passages and sentences outgrows ~10 ms
RESCORE = 5  # approximate candidates re-scored exactly per hit wanted
PROBES = 32  # clusters scanned per question
TRAIN_PER_CLUSTER = 40  # k-means sample size per cluster (faiss asks for at least 39)


def cluster_count(n: int) -> int:
    """Clusters for ``n`` vectors: about 2 * sqrt(n), so each holds about sqrt(n) / 2."""
    return max(1, int(2 * np.sqrt(n)))


class VectorIndex(Protocol):
    kind: str

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Row numbers of the ``k`` nearest vectors and their cosines, best first."""
        ...


class ExactIndex:
    """Every vector scored: the reference the approximate index is measured against."""

    kind = "exact"

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self.vectors @ query
        n, k = len(scores), min(k, len(scores))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), scores[:0]
        # Selecting the last k positions skips top_k's negated copy: 25% faster on a million
        # cosines. (top_k keeps the negated form: it is slow here only on many equal scores,
        # which BM25 has and cosines don't.)
        part = np.argpartition(scores, n - k)[n - k :]
        rows = part[np.lexsort((part, -scores[part]))]
        return rows, scores[rows]


class ApproximateIndex:
    """A faiss IVF index of 8-bit codes proposes candidates; the float32 vectors re-score them."""

    kind = "approximate"

    def __init__(self, index, vectors: np.ndarray, path: Path | None = None) -> None:
        self.index = index
        self.index.nprobe = PROBES
        self.vectors = vectors
        self.path = path  # the file it was saved to or mapped from

    def serialized(self) -> bytes:
        """The index as a file's bytes. One mapped from a file is copied from it: faiss would
        serialise its mapped lists as a reference to a file, which crashes the reader."""
        if self.path is not None:
            return self.path.read_bytes()
        import faiss

        return faiss.serialize_index(self.index).tobytes()

    @classmethod
    def build(cls, vectors: np.ndarray, path: Path | None = None) -> ApproximateIndex:
        """Cluster and encode ``vectors`` (unit rows); saved atomically to ``path`` if given."""
        import faiss

        n, dim = vectors.shape
        clusters = cluster_count(n)
        index = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(dim), dim, clusters, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        rng = np.random.default_rng(0)  # the same vectors give the same index
        sample = np.sort(rng.choice(n, min(n, TRAIN_PER_CLUSTER * clusters), replace=False))
        index.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
        for start in range(0, n, 65536):  # in slices: no second float32 copy of a memory map
            index.add(np.ascontiguousarray(vectors[start : start + 65536], dtype=np.float32))
        if path is not None:
            atomic_write_bytes(path, faiss.serialize_index(index).tobytes())
        return cls(index, vectors, path)

    @classmethod
    def load(cls, path: Path, vectors: np.ndarray) -> ApproximateIndex | None:
        """The saved index, memory-mapped; None if it is missing, unreadable or of other vectors."""
        import faiss

        try:
            # Memory-mapped: opens at once and holds in memory only the clusters searched.
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        except Exception:  # a damaged file is rebuilt, not trusted
            return None
        if index.ntotal != len(vectors) or index.d != vectors.shape[1]:
            return None
        return cls(index, vectors, path)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self.vectors))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        _, found = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k * RESCORE)
        rows = np.unique(found[0][found[0] >= 0])  # sorted: reads the memory map forwards
        scores = self.vectors[rows] @ query
        best = top_k(scores, k)
        return rows[best], scores[best]


def nearest_index(vectors: np.ndarray, path: Path | None = None) -> VectorIndex:
    """Exact search up to ``ANN_ABOVE`` vectors; above, the approximate index saved at ``path``
    (built now if missing or stale)."""
    if len(vectors) <= ANN_ABOVE:
        return ExactIndex(vectors)
    if path is not None and path.exists():
        loaded = ApproximateIndex.load(path, vectors)
        if loaded is not None:
            return loaded
    return ApproximateIndex.build(vectors, path)
