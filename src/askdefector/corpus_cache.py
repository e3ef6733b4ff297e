"""The articles a corpus folder held when it was last read, kept beside the vectors.

Extracting an article from a saved web page takes tens of milliseconds; a folder of thousands
took minutes per question. ``corpus.json`` remembers each file's size and modification time with
the Document read from it (or why it was skipped), so opening an unchanged folder only lists and
stats its files, and a bad file is reported when it is found, not on every question.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path

from .cache.files import Notify, atomic_write_bytes, installed_version, write_lock
from .types import Document

FILE = "corpus.json"
FORMAT = 1


@functools.cache
def _reader_version() -> str:
    """What made the Documents: the source of our reader (corpus.py, extract.py) and trafilatura's
    version. Files read by any other version of either are read again, so a change to the reader
    can't leave articles extracted the old way in the cache."""
    digest = hashlib.sha256()
    for module in ("corpus.py", "extract.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return f"{digest.hexdigest()[:16]}/{installed_version('trafilatura')}"


class CorpusRecords:
    """What each file of a corpus folder gave when last read, keyed by its path in the folder."""

    def __init__(self, root: str | os.PathLike[str] | None) -> None:
        self.path = Path(root) / FILE if root is not None else None
        self._old: dict[str, dict] = {}
        self._new: dict[str, dict] = {}
        self.damaged: list[str] = []  # files whose record failed its checks (each read again)
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("format") == FORMAT and data.get("reader") == _reader_version():
                self._old = {str(k): v for k, v in data["files"].items() if isinstance(v, dict)}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # none yet, or damaged: read every file again

    def known(self, key: str, stat: os.stat_result, source: str = "") -> Document | str | None:
        """The Document (or the skip reason) recorded for an unchanged file, else None;
        ``source`` is where it is read from now."""
        entry = self._old.get(key)
        if entry is None or entry.get("size") != stat.st_size or entry.get("mtime_ns") != stat.st_mtime_ns:
            return None
        try:
            result = entry["skip"] if entry.get("skip") is not None else _document(entry["doc"], source)
        except (KeyError, TypeError, ValueError):
            self.damaged.append(key)
            return None  # the file is read again
        self._new[key] = entry
        return result

    def damage_notes(self) -> list[tuple[str, str]]:
        """(this file, what was mended) for each record that failed its checks."""
        return [(str(self.path), f"the record of {key} failed its checks: read again from its file") for key in self.damaged]

    def record(self, key: str, stat: os.stat_result, result: Document | str) -> None:
        entry: dict[str, object] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        if isinstance(result, Document):
            doc = {
                "id": result.id, "title": result.title, "text": result.text, "outlet": result.outlet,
                "authors": list(result.authors), "date": result.date,
            }
            entry["doc"] = {**doc, "sha256": _digest(doc)}
        else:
            entry["skip"] = result
        self._new[key] = entry

    def previous(self) -> list[Document]:
        """The articles of the last complete index, as recorded then (for answering while
        another process builds a newer one)."""
        docs = []
        for entry in self._old.values():
            with contextlib.suppress(KeyError, TypeError, ValueError):
                if entry.get("skip") is None:
                    docs.append(_document(entry["doc"]))
        return docs

    def save(self, notify: Notify | None = None) -> None:
        """Write what was seen, if it differs from what was read; never fails the caller."""
        if self.path is None or self._new == self._old:
            return
        data = {"format": FORMAT, "reader": _reader_version(), "files": self._new}
        with write_lock(self.path.parent, notify, wait=False) as can_write:  # busy: the writer saves its own
            if can_write:
                with contextlib.suppress(OSError):
                    atomic_write_bytes(self.path, json.dumps(data, ensure_ascii=False).encode())


def _digest(doc: dict) -> str:
    """The SHA-256 of a record's fields: an altered text (one flipped bit) no longer matches it."""
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()


def _document(entry: dict, source: str = "") -> Document:
    fields = {k: entry[k] for k in ("id", "title", "text", "outlet", "date")}
    if not all(isinstance(v, str) for v in fields.values()) or not isinstance(entry["authors"], list):
        raise ValueError("damaged record")
    if entry.get("sha256") != _digest({k: v for k, v in entry.items() if k != "sha256"}):
        raise ValueError("a record that does not match its checksum")
    return Document(**fields, authors=tuple(str(a) for a in entry["authors"]), source=source)
