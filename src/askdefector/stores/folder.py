"""A local store in a folder of its own: ``askdefector index CORPUS --store DIR`` writes it;
``askdefector --store DIR "question"`` maps its files and never reads a corpus folder, so opening
a million passages costs the time their files take to map.

The folder holds the vector cache and BM25 of its builds (so re-indexing embeds only new texts),
and one complete version of the store in ``columns-<id>/`` (``columns`` arrays, the BM25 arrays
and, past ``ANN_ABOVE`` passages, the approximate vector index). ``store.json`` names the current
version; a writer makes the next one beside it and replaces ``store.json`` atomically, so a
reader sees the old version or the new one, whole. Writers take turns on ``.store.lock``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..cache.files import Notify, atomic_write_bytes, write_lock
from ..embeddings import Embedder, ProgressFn
from ..indexing import build_index
from ..lexical import LexicalIndex
from ..types import Document
from ..vector_index import ANN_ABOVE, ApproximateIndex, ExactIndex
from . import StoreError, content_hash
from . import columns as cols
from .columns import DamagedText
from .local import LocalStore

POINTER = "store.json"
FORMAT = 1
LOCK = ".store.lock"
NEAREST = "nearest.faiss"


class DamagedVersion(StoreError):
    """The store's current version can't be read: ``what`` says what is wrong, the message also
    what to do (a caller that repairs it says what it did instead)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: run askdefector index on its articles")
        self.what = what


class OtherModel(StoreError):
    """The store holds another model's vectors: refused, never rebuilt over."""


@dataclass(frozen=True)
class Added:
    """What one ``add`` did."""

    embedded: int  # texts sent to the model
    changed: bool  # False when the store already held exactly these articles
    warnings: tuple[str, ...] = ()


def add(
    root: Path,
    documents: Sequence[Document],
    embedder: Embedder,
    progress: ProgressFn | None = None,
    notify: Notify | None = None,
    prune: bool = False,
) -> Added:
    """Store ``documents`` in ``root`` beside what it holds (an article with a stored id replaces
    it); ``prune`` keeps only ``documents``. One writer at a time; readers are never blocked."""
    with write_lock(root, notify, name=LOCK) as can_write:
        if not can_write:
            raise StoreError(f"cannot write the store in {root}")
        stored, stored_content, warnings = _stored(root, embedder.model_id)
        merged = list(documents) if prune else _merge(stored, documents)
        content = articles_hash(merged)
        if content == stored_content:
            return Added(0, False)
        index = build_index(merged, embedder, cache_dir=root, progress=progress, notify=notify)
        write(root, LocalStore.from_index(index), embedder.model_id, content)
        return Added(index.report.embedded, True, warnings + index.report.warnings)


def open_store(root: Path, model_id: str) -> LocalStore:
    """The current version of the store in ``root``, memory-mapped; ``StoreError`` says why not."""
    return _open(root, model_id)[0]


def _open(root: Path, model_id: str) -> tuple[LocalStore, dict]:
    """``open_store``, with the version's params (its content hash among them)."""
    for _ in range(3):  # a writer may replace the version between reading store.json and its files
        pointer = _pointer(root, model_id)
        try:
            return _load(root / pointer["columns"])
        except FileNotFoundError:
            continue
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DamagedVersion(f"the store in {root} is damaged ({exc})") from None
    raise DamagedVersion(f"the store in {root} is missing files of its current version (damaged)")


def open_current(root: Path, model_id: str, content: str, verify: bool = False) -> tuple[LocalStore | None, str | None]:
    """The store in ``root`` if it holds exactly the articles ``content`` hashes (``articles_hash``),
    else None; and when it is damaged, a note saying so (it is never served). ``verify`` reads
    even a big store whole (``damage``)."""
    if not is_store(root):
        return None, None
    try:
        store, params = _open(root, model_id)
    except OtherModel:
        return None, None
    except StoreError as exc:
        return None, exc.what if isinstance(exc, DamagedVersion) else str(exc)
    if store.damaged:
        return None, damage_warning(root, store)
    problems = damage(root, store, model_id, params) if verify and store.nearest.kind != "exact" else []
    if problems:
        return None, "; ".join(problems[:3]) + (f" and {len(problems) - 3} more" if len(problems) > 3 else "")
    # one saved before texts had checksums is built again (from cached vectors: quick), then saved with them
    return (store if params.get("content") == content and params.get("text_digests") else None), None


def damage_warning(root: Path, store: LocalStore) -> str | None:
    """What a store found damaged when it opened (and leaves out of its answers), if anything."""
    if not store.damaged:
        return None
    return f"the store in {root} holds damaged text or vectors of {cols.name_list([store.columns.documents[r][0] for r in sorted(store.damaged)])}"


def save_quietly(root: Path, store: LocalStore, model_id: str, content: str, notify: Notify | None = None) -> None:
    """``write``, unless another process is writing ``root`` or it can't be written: a speed-up
    for the next open, never a reason to fail this one."""
    with write_lock(root, notify, wait=False, name=LOCK) as can_write:
        if can_write:
            with contextlib.suppress(OSError):
                write(root, store, model_id, content)


def is_store(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / POINTER).is_file()


def _pointer(root: Path, model_id: str) -> dict:
    try:
        pointer = json.loads((root / POINTER).read_bytes())
    except FileNotFoundError:
        raise StoreError(f"{root} holds no askdefector store: make one with `askdefector index CORPUS --store {root}`") from None
    except (OSError, ValueError) as exc:
        raise DamagedVersion(f"the store in {root} is unreadable ({exc})") from None
    if not isinstance(pointer, dict) or pointer.get("format") != FORMAT or not isinstance(pointer.get("columns"), str):
        raise DamagedVersion(f"the store in {root} is of another format or damaged")
    if not re.fullmatch(r"columns-[0-9a-f]{12}", pointer["columns"]):  # never a path out of the folder
        raise DamagedVersion(f"the store in {root} names a version outside it {pointer['columns']!r} (damaged)")
    if pointer.get("model") != model_id:
        raise OtherModel(f"the store in {root} holds vectors of model {pointer.get('model')!r}, not {model_id!r}")
    return pointer


def _load(folder: Path) -> tuple[LocalStore, dict]:
    columns, params = cols.load(folder, by_row_above=ANN_ABOVE)
    lexical = LexicalIndex.load(folder / "lexical")
    if lexical.size != len(columns.passage_rows):
        raise ValueError("its BM25 index is of other passages")
    vectors = columns.passage_vectors
    if len(vectors) <= ANN_ABOVE:  # small enough to check whole at open (a big store checks what it reads)
        return LocalStore(columns, ExactIndex(vectors), lexical, cols.damaged_rows(columns)), params
    nearest = ApproximateIndex.load(folder / NEAREST, vectors)
    if nearest is None:
        raise ValueError(f"its vector index {NEAREST} is missing or damaged")
    return LocalStore(columns, nearest, lexical), params


def _stored(root: Path, model_id: str) -> tuple[list[Document], str | None, tuple[str, ...]]:
    """The articles the store holds now and their content hash (none when it is new); a damaged
    store is rebuilt from the articles being added, with a warning that the others are gone."""
    if not is_store(root):
        return [], None, ()
    try:
        store, params = _open(root, model_id)
    except OtherModel:
        raise
    except StoreError as exc:
        try:  # what of the damaged version is intact, by its checksums
            kept, lost = cols.salvage(root / _pointer(root, model_id)["columns"])
        except (OSError, ValueError, KeyError, TypeError, StoreError):
            return [], None, (f"{exc}; it now holds only the articles indexed in this run",)
        lost_note = f"; {lost} damaged article{'s' if lost != 1 else ''} kept only if indexed in this run" if lost else ""
        return kept, None, (f"{exc}; rebuilt from its {len(kept)} intact articles{lost_note}",)
    # A small store has checked every text and vector at open; a big one's are checked here
    damaged, kept, warnings = set(store.damaged), [], ()
    if store.nearest.kind != "exact":
        damaged.update(cols.damaged_vector_rows(store.columns))
        index_damage = nearest_damage(root, model_id, params)
        if index_damage:  # built again from the vectors, not from a copy kept beside them
            for copy in root.glob("*/ann-*.faiss"):
                copy.unlink()
            params, warnings = {}, (f"{index_damage}: built again",)
    for row in range(len(store.columns.documents)):
        if row not in damaged:
            try:
                kept.append(store.columns.document(row))
            except DamagedText:
                damaged.add(row)
    if damaged:  # keep what is intact
        names = cols.name_list([store.columns.documents[r][0] for r in sorted(damaged)])
        return kept, None, (*warnings, f"the store in {root} held damaged text or vectors of {names}: kept only if indexed in this run")
    return kept, params.get("content"), warnings


def _merge(stored: Sequence[Document], added: Sequence[Document]) -> list[Document]:
    """``stored`` with ``added`` in place of articles of the same id, then the new ones."""
    by_id = {d.id: d for d in added}
    merged = [by_id.pop(d.id, d) for d in stored]
    return merged + [d for d in added if d.id in by_id]


def articles_hash(documents: Sequence[Document]) -> str:
    """What decides whether a store holds exactly these articles: each one's id and
    ``content_hash``, in order."""
    digest = hashlib.sha256()
    for d in documents:
        digest.update(f"{d.id}\0{content_hash(d)}\n".encode())
    return digest.hexdigest()


def write(root: Path, store: LocalStore, model_id: str, content: str = "") -> None:
    """Write ``store`` as the folder's next version and point ``store.json`` at it; readers see
    the old version or this one, whole. The caller holds ``LOCK`` (or owns the folder)."""
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".columns-", suffix=".tmp"))
    tmp.chmod(0o755)  # mkdtemp's 0700 would keep the store from other readers
    name = f"columns-{uuid.uuid4().hex[:12]}"
    try:
        params = {"model": model_id, "content": content}
        if isinstance(store.nearest, ApproximateIndex):
            nearest = store.nearest.serialized()
            (tmp / NEAREST).write_bytes(nearest)
            params["nearest"] = _file_digest(nearest)
        cols.save(store.columns, tmp, params)
        (tmp / "lexical").mkdir()
        store.lexical.save(tmp / "lexical")
        _sync_folder(tmp)
        os.rename(tmp, root / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    atomic_write_bytes(root / POINTER, json.dumps({"format": FORMAT, "model": model_id, "columns": name}).encode())
    for old in root.glob("columns-*"):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)  # a reader that mapped it keeps its files until it exits


def damage(root: Path, store: LocalStore, model_id: str, params: dict) -> list[str]:
    """Everything damaged in an opened version, one line each: every text against its checksum,
    every vector, and the vector index. Reads the whole store (what ``index --check`` and
    ``index`` do; a question checks only what it reads)."""
    columns, problems = store.columns, []
    if columns.text_digests is None:
        problems.append(f"{root}: written by an older askdefector, its texts carry no checksums")
    for row in sorted(store.damaged if store.nearest.kind == "exact" else cols.damaged_rows(columns)):
        try:
            columns.document(row)
            problems.append(f"{root}: the saved vectors of {columns.documents[row][0]} hold NaN or infinite values (damaged)")
        except ValueError as exc:
            problems.append(f"{root}: {exc}")
    index_damage = nearest_damage(root, model_id, params)
    return problems + ([index_damage] if index_damage else [])


def _file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def nearest_damage(root: Path, model_id: str, params: dict) -> str | None:
    """Why the current version's approximate vector index fails its checksum, if it does: read
    whole by ``index`` and ``index --check`` only (a question's open only maps it)."""
    path = root / _pointer(root, model_id)["columns"] / NEAREST
    if "nearest" not in params or not path.is_file():
        return None  # a small store, or one written before the checksum
    if _file_digest(path.read_bytes()) != params["nearest"]:
        return f"the store in {root} has a damaged vector index ({NEAREST} fails its checksum)"
    return None


def _sync_folder(folder: Path) -> None:
    """Flush every file of ``folder`` to disk before it is renamed into place."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
