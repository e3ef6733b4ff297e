"""Each article's sentence spans, kept so that opening an unchanged corpus does not run the
segmenter again."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from ..passages import Sentence, document_sentences
from ..types import Document
from .files import Notify, atomic_write_bytes, installed_version, text_hash, write_lock


class SentenceSpans:
    """Sentence spans of each document text, kept in ``sentences.json`` so that opening an
    unchanged corpus does not run the segmenter again. Keyed by the text's hash, so a span is
    only ever applied to the exact text it was computed on."""

    FILE = "sentences.json"
    FORMAT = 2  # 2: each document's spans carry a check tying them to its text's hash

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._spans: dict[str, list[list[int]]] = {}
        self._used: set[str] = set()
        self._changed = False
        self.damage = ""  # what was found damaged in the file (its spans are computed again)
        try:
            data = json.loads((self.root / self.FILE).read_bytes())
            if data.get("format") == self.FORMAT and data.get("segmenter") == segmenter_version():
                docs = data["docs"].items()
                self._spans = {str(k): v["spans"] for k, v in docs if v.get("check") == _spans_check(str(k), v["spans"])}
                if len(self._spans) < len(docs):
                    self.damage = f"the sentence spans of {len(docs) - len(self._spans)} articles fail their checks"
        except FileNotFoundError:
            pass  # not made yet
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.damage = "it is unreadable"  # segment again and rewrite it

    def segment(self, doc: Document) -> list[Sentence]:
        digest = text_hash(doc.text)
        self._used.add(digest)
        cached = self._spans.get(digest)
        if cached is not None and _valid_spans(cached, len(doc.text)):
            return [Sentence(doc.id, p, s, e) for p, s, e in cached]
        if cached is not None:
            self.damage = self.damage or f"the sentence spans of {doc.id} are not spans of its text"
        sentences = document_sentences(doc)
        self._spans[digest] = [[x.paragraph, x.start, x.end] for x in sentences]
        self._changed = True
        return sentences

    def save(self, notify: Notify | None = None) -> None:
        """Write the spans of the documents seen, if anything changed; never fails the caller."""
        if not self._changed and set(self._spans) == self._used:
            return
        live = {d: {"spans": self._spans[d], "check": _spans_check(d, self._spans[d])} for d in sorted(self._used)}
        data = {"format": self.FORMAT, "segmenter": segmenter_version(), "docs": live}
        with write_lock(self.root, notify, wait=False) as can_write:  # busy: the writer saves its own
            if can_write:
                with contextlib.suppress(OSError):
                    atomic_write_bytes(self.root / self.FILE, json.dumps(data).encode())


def _spans_check(digest: str, spans: object) -> str:
    """A short hash of a text's hash and its spans: spans moved to another text don't match it."""
    return hashlib.sha256(f"{digest}:{json.dumps(spans)}".encode()).hexdigest()[:16]


def _valid_spans(spans: object, length: int) -> bool:
    """Spans read back from disk are ordered (paragraph, start, end) integer triples inside the text."""
    if not isinstance(spans, list):
        return False
    last = 0
    try:
        for paragraph, start, end in spans:
            if not (type(paragraph) is type(start) is type(end) is int and paragraph >= 1 and last <= start < end <= length):
                return False
            last = end
    except (TypeError, ValueError):  # not a triple
        return False
    return True


def segmenter_version() -> str:
    return f"syntok-{installed_version('syntok')}"
