"""Shared fixtures: the shipped corpus, a real-model knowledge base, and a private data dir."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

import askdefector

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    """Keep history and any default locations out of the user's real folders."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("ASKDEFECTOR_CORPUS", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(scope="session")
def kb_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("embeddings")


@pytest.fixture(scope="session")
def kb(kb_cache) -> askdefector.KnowledgeBase:
    """The shipped corpus with the real default model."""
    return askdefector.open(CORPUS, cache_dir=kb_cache)


class HashEmbedder:
    """A tiny deterministic embedder for unit tests of the cache: counts what it is asked."""

    def __init__(self, model_id: str = "test-hash", dim: int = 8) -> None:
        self.model_id = model_id
        self.dim = dim
        self.calls: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.calls.extend(texts)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256((self.model_id + text).encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for the session (see postgres_server.py)."""
    from postgres_server import running_postgres

    with running_postgres() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A new, empty database on the session's server."""
    from postgres_server import new_database

    return new_database(postgres_server)


@pytest.fixture(scope="session")
def postgres_kb(postgres_server, kb, kb_cache) -> Iterator[askdefector.KnowledgeBase]:
    """The shipped corpus in a PostgreSQL store, with the real model."""
    from postgres_server import new_database

    pg = askdefector.open(CORPUS, cache_dir=kb_cache, embedder=kb.embedder, store=new_database(postgres_server))
    yield pg
    pg.store.close()
