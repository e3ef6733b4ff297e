"""Stage 3b: embeddings computed once, kept on disk, keyed by model identity and text hash.

Layout under the cache folder: one sub-folder per model, holding ``manifest.json`` and ``.npy``
shards. The manifest lists each shard with the content hashes of its rows. Shards are written
first and the manifest is replaced last (temporary file, then rename), so a run killed at any
moment leaves the previous manifest and the shards it names intact; finished batches of an
interrupted run are already recorded and are not embedded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .embeddings import Embedder, ProgressFn

FORMAT = 1
BATCH = 512  # texts embedded and written between two manifest updates


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def model_folder_name(model_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model_id).strip("-.")[:60] or "model"
    return f"{slug}-{hashlib.sha256(model_id.encode()).hexdigest()[:8]}"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class VectorCache:
    """The vectors one model has produced, looked up by text hash."""

    def __init__(self, root: str | os.PathLike[str], model_id: str) -> None:
        self.model_id = model_id
        self.folder = Path(root) / model_folder_name(model_id)
        self.warnings: list[str] = []
        self.writable = True
        self._shards: list[tuple[str, list[str]]] = []
        self._rows: dict[str, tuple[np.ndarray, int]] = {}
        self._load()

    # -- reading ---------------------------------------------------------------------------

    def _load(self) -> None:
        manifest_path = self.folder / "manifest.json"
        if not manifest_path.exists():
            return
        try:
            manifest = json.loads(manifest_path.read_text("utf-8"))
            if manifest.get("format") != FORMAT:
                raise ValueError(f"format {manifest.get('format')!r}, expected {FORMAT}")
            if manifest.get("model") != self.model_id:
                raise ValueError(f"written for model {manifest.get('model')!r}")
            shards = [(s["file"], list(s["hashes"])) for s in manifest["shards"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.warnings.append(f"ignoring damaged embedding cache {manifest_path}: {exc}")
            return
        for name, hashes in shards:
            matrix = self._read_shard(name, len(hashes))
            if matrix is None:
                continue
            self._shards.append((name, hashes))
            for row, h in enumerate(hashes):
                self._rows[h] = (matrix, row)

    def _read_shard(self, name: str, rows: int) -> np.ndarray | None:
        if not re.fullmatch(r"[A-Za-z0-9._-]+\.npy", name) or name.startswith("."):
            self.warnings.append(f"ignoring cache shard with unsafe name {name!r}")
            return None
        try:
            matrix = np.load(self.folder / name, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            self.warnings.append(f"ignoring damaged cache shard {name}: {exc}")
            return None
        if matrix.dtype != np.float32 or matrix.ndim != 2 or matrix.shape[0] != rows:
            self.warnings.append(f"ignoring cache shard {name}: shape {matrix.shape} does not match manifest")
            return None
        return matrix

    def __contains__(self, digest: str) -> bool:
        return digest in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, digests: Sequence[str]) -> np.ndarray:
        """Stack the stored vectors of ``digests`` (all must be present)."""
        if not digests:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._rows[d][0][self._rows[d][1]] for d in digests])

    # -- writing ---------------------------------------------------------------------------

    def add(self, digests: Sequence[str], vectors: np.ndarray) -> None:
        """Record new vectors: in memory always, on disk when the folder is writable."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        name = f"shard-{uuid.uuid4().hex[:16]}.npy"
        for row, d in enumerate(digests):
            self._rows[d] = (vectors, row)
        self._shards.append((name, list(digests)))
        if self._write_shard(name, vectors):
            self._write_manifest()

    def compact(self, live: Sequence[str]) -> None:
        """Rewrite the cache as one shard holding exactly ``live``, dropping stale vectors."""
        live = list(dict.fromkeys(live))
        if len(self._shards) == 1 and self._shards[0][1] == live:
            return
        old = [name for name, _ in self._shards]
        vectors = self.get(live) if live else np.zeros((0, 0), dtype=np.float32)
        self._shards, self._rows = [], {}
        self.add(live, vectors)
        if self.writable:
            for name in old:
                (self.folder / name).unlink(missing_ok=True)

    def _write_shard(self, name: str, vectors: np.ndarray) -> bool:
        if not self.writable:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            import io

            buffer = io.BytesIO()
            np.save(buffer, vectors, allow_pickle=False)
            atomic_write_bytes(self.folder / name, buffer.getvalue())
            return True
        except OSError as exc:
            self.writable = False
            self.warnings.append(f"embedding cache not saved ({self.folder}): {exc.strerror or exc}")
            return False

    def _write_manifest(self) -> None:
        manifest = {
            "format": FORMAT,
            "model": self.model_id,
            "shards": [{"file": name, "hashes": hashes} for name, hashes in self._shards],
        }
        try:
            atomic_write_bytes(self.folder / "manifest.json", json.dumps(manifest).encode())
        except OSError as exc:
            self.writable = False
            self.warnings.append(f"embedding cache not saved ({self.folder}): {exc.strerror or exc}")


def embed_with_cache(
    texts: Sequence[str],
    embedder: Embedder,
    cache: VectorCache,
    progress: ProgressFn | None = None,
    batch: int = BATCH,
) -> tuple[np.ndarray, int]:
    """Vectors for ``texts``, embedding only those the cache lacks; returns (matrix, newly embedded)."""
    digests = [text_hash(t) for t in texts]
    missing: dict[str, str] = {}
    for d, t in zip(digests, texts):
        if d not in cache and d not in missing:
            missing[d] = t
    todo = list(missing.items())
    report = progress if len(todo) > 32 else None
    for i in range(0, len(todo), batch):
        chunk = todo[i : i + batch]
        cache.add([d for d, _ in chunk], embedder.encode([t for _, t in chunk]))
        if report:
            report(min(i + batch, len(todo)), len(todo))
    if todo or len(cache) != len(set(digests)):
        cache.compact(digests)
    return cache.get(digests), len(todo)
