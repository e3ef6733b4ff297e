"""Embeddings computed once, kept on disk, keyed by model identity and text hash.

Layout under the cache folder: one sub-folder per model, holding ``manifest.json`` and ``.npy``
shards. The manifest lists each shard with the content hashes of its rows. Shards are written
first and the manifest is replaced last (temporary file, then rename), so a run killed at any
moment leaves the previous manifest and the shards it names intact; finished batches of an
interrupted run are already recorded and are not embedded again. Writers take a lock file, so
two runs at once take turns; readers need no lock and retry if a writer swaps shards under them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..embeddings import Embedder, ProgressFn
from .files import Notify, atomic_write_bytes, busy, text_hash, write_lock

FORMAT = 1
BATCH = 512  # texts embedded and written between two manifest updates
PROGRESS_STEP = 64  # texts embedded between two updates of the progress bar
# Shards up to this size are checked for NaN and infinity when read (about 1 ms per 4 MB); above
# it, reading every value would cost more than opening the cache does.
CHECK_VALUES_UP_TO = 256 * 1024 * 1024
_SHARD_NAME = re.compile(r"shard-[0-9a-f]{16}\.npy")


def model_folder_name(model_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model_id).strip("-.")[:60] or "model"
    return f"{slug}-{hashlib.sha256(model_id.encode()).hexdigest()[:8]}"


class VectorCache:
    """The vectors one model has produced, looked up by text hash."""

    def __init__(self, root: str | os.PathLike[str], model_id: str) -> None:
        self.model_id = model_id
        self.folder = Path(root) / model_folder_name(model_id)
        self.warnings: list[str] = []
        self.writable = True
        self.reload()

    # -- reading ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the manifest and its shards; retried when a writer replaces them meanwhile."""
        for _ in range(5):
            self._shards: list[tuple[str, list[str]]] = []
            self._rows: dict[str, tuple[np.ndarray, int]] = {}
            if self._load():
                return

    def _load(self) -> bool:
        """False when a shard vanished (a concurrent compaction): the caller reads again."""
        manifest_path = self.folder / "manifest.json"
        try:
            raw = manifest_path.read_bytes()
        except FileNotFoundError:
            return True
        except OSError as exc:
            self._warn(f"cannot read embedding cache {manifest_path}: {exc.strerror or exc}")
            return True
        try:
            manifest = json.loads(raw)  # bytes that are not UTF-8 are a ValueError here too
            if manifest.get("format") != FORMAT:
                raise ValueError(f"format {manifest.get('format')!r}, expected {FORMAT}; rebuilding")
            if manifest.get("model") != self.model_id:
                raise ValueError(f"written for model {manifest.get('model')!r}")
            shards = [(str(s["file"]), [str(h) for h in s["hashes"]]) for s in manifest["shards"]]
            dim = manifest.get("dim")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self._warn(f"ignoring damaged embedding cache {manifest_path}: {exc}")
            return True
        for name, hashes in shards:
            if not _SHARD_NAME.fullmatch(name):
                self._warn(f"ignoring cache shard with unsafe name {name!r}")
                continue
            try:
                matrix = np.load(self.folder / name, allow_pickle=False, mmap_mode="r")
            except FileNotFoundError:
                return False
            except (OSError, ValueError, EOFError) as exc:
                self._warn(f"ignoring damaged cache shard {name}: {exc}")
                continue
            dim = dim if dim is not None else (matrix.shape[-1] if matrix.ndim == 2 else None)
            if matrix.dtype != np.float32 or matrix.ndim != 2 or matrix.shape != (len(hashes), dim):
                self._warn(f"ignoring cache shard {name}: shape {matrix.shape} does not match manifest")
                continue
            if matrix.nbytes <= CHECK_VALUES_UP_TO and not np.isfinite(matrix).all():
                self._warn(f"ignoring damaged cache shard {name}: it holds values that are not numbers")
                continue
            self._shards.append((name, hashes))
            for row, h in enumerate(hashes):
                self._rows[h] = (matrix, row)
        return True

    def _warn(self, message: str) -> None:
        if message not in self.warnings:  # the same damage is seen again on a reload
            self.warnings.append(message)

    def __contains__(self, digest: str) -> bool:
        return digest in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, digests: Sequence[str]) -> np.ndarray:
        """The stored vectors of ``digests`` (all must be present), one row each, in order.

        When one shard holds exactly these rows (a compacted cache), its memory map is returned
        as it is: nothing is copied, so an unchanged index opens in the time the map takes."""
        if not digests:
            return np.zeros((0, 0), dtype=np.float32)
        if len(self._shards) == 1 and self._shards[0][1] == digests:
            return np.asarray(self._rows[digests[0]][0])
        first = self._rows[digests[0]][0]
        if all(self._rows[d][0] is first for d in digests):
            return np.asarray(first)[[self._rows[d][1] for d in digests]]
        return np.stack([self._rows[d][0][self._rows[d][1]] for d in digests]).astype(np.float32, copy=False)

    # -- writing (callers hold ``write_lock``) -------------------------------------------------

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
        vectors = self.get(live) if live else np.zeros((0, 0), dtype=np.float32)
        self._shards, self._rows = [], {}
        self.add(live, vectors)
        self.remove_unlisted()

    def remove_unlisted(self) -> None:
        """Delete shards the manifest doesn't name and temporary files of killed runs."""
        if not self.writable or not self.folder.is_dir():
            return
        listed = {name for name, _ in self._shards}
        for path in self.folder.iterdir():
            stale_shard = _SHARD_NAME.fullmatch(path.name) and path.name not in listed
            if stale_shard or (path.name.startswith(".") and path.name.endswith(".tmp")):
                path.unlink(missing_ok=True)

    def _write_shard(self, name: str, vectors: np.ndarray) -> bool:
        if not self.writable:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            buffer = io.BytesIO()
            np.save(buffer, vectors, allow_pickle=False)
            atomic_write_bytes(self.folder / name, buffer.getvalue())
            return True
        except OSError as exc:
            self._read_only(exc)
            return False

    def _write_manifest(self) -> None:
        widths = {self._rows[hashes[0]][0].shape[-1] for _, hashes in self._shards if hashes}
        manifest = {
            "format": FORMAT,
            "model": self.model_id,
            "dim": widths.pop() if len(widths) == 1 else None,
            "shards": [{"file": name, "hashes": hashes} for name, hashes in self._shards],
        }
        try:
            atomic_write_bytes(self.folder / "manifest.json", json.dumps(manifest).encode())
        except OSError as exc:
            self._read_only(exc)

    def _read_only(self, exc: OSError) -> None:
        self.writable = False
        self._warn(f"embedding cache not saved ({self.folder}): {exc.strerror or exc}")


class IndexBusy(Exception):
    """Texts need embedding, but another process is writing this cache (and we were told not to wait)."""


def embed_with_cache(
    texts: Sequence[str],
    embedder: Embedder,
    cache: VectorCache,
    progress: ProgressFn | None = None,
    batch: int = BATCH,
    notify: Notify | None = None,
    digests: Sequence[str] | None = None,
    wait: bool = True,
) -> tuple[np.ndarray, int]:
    """Vectors for ``texts``, embedding only those the cache lacks; returns (matrix, newly embedded).

    ``digests`` are the texts' ``text_hash`` values when the caller has them already. With ``wait``
    False, raises ``IndexBusy`` instead of waiting when texts are missing and another process
    holds the cache's lock."""
    digests = list(digests) if digests is not None else [text_hash(t) for t in texts]
    wanted = set(digests)
    if wanted.issubset(cache._rows) and len(cache) == len(wanted) and len(cache._shards) <= 1:
        return cache.get(digests), 0  # the common case: nothing to write, no lock needed
    if not wait and busy(cache.folder):
        raise IndexBusy(f"another askdefector is writing {cache.folder}")
    with write_lock(cache.folder, notify) as can_write:
        if can_write:
            cache.reload()  # another run may have finished the work while we waited
        else:
            cache.writable = False
        todo = list({d: t for d, t in zip(digests, texts) if d not in cache}.items())
        todo.sort(key=lambda item: len(item[1]))  # batches of like length pad least, as encode does
        if todo and not can_write:
            cache.warnings.append(f"embedding cache {cache.folder} is not writable: vectors are not saved")
        report = progress if len(todo) > 32 else None
        if report:
            if notify:
                notify(f"embedding {len(todo):,} new texts (once; later runs reuse them) ...")
            report(0, len(todo))  # the bar shows before the first batch, not after it
        for i in range(0, len(todo), batch):
            chunk = todo[i : i + batch]
            parts = []
            for j in range(0, len(chunk), PROGRESS_STEP):
                parts.append(embedder.encode([t for _, t in chunk[j : j + PROGRESS_STEP]]))
                if report:
                    report(i + min(j + PROGRESS_STEP, len(chunk)), len(todo))
            cache.add([d for d, _ in chunk], np.concatenate(parts))
        cache.compact(digests)
    return cache.get(digests), len(todo)
