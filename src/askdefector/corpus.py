"""Stage 1: read a folder of articles into Documents.

``.txt`` and ``.md`` files may start with a ``---`` header of ``key: value`` lines (title, outlet,
authors, date); ``.html`` pages saved from a browser go through trafilatura, which finds the article
body and its metadata. A file that can't be read is reported in ``Corpus.skipped`` and never stops
the others.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .dates import dateline, iso
from .types import Document

if TYPE_CHECKING:
    from .corpus_cache import CorpusRecords

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES
MAX_TITLE_LINE = 200  # a first line longer than this is prose, not a title
MANY_FILES = 100  # from this many files to read on, opening says that it is reading them
MAX_FILE_BYTES = 20_000_000  # larger files are not articles (logs, dumps) and would stall indexing


# Control characters, and lone surrogates (how Python hands over bytes of a file name that are
# not UTF-8): neither may reach a terminal, a URL or a JSON key inside an id or a title.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def safe_name(name: str) -> str:
    """``name`` with each byte that isn't UTF-8 shown as ``\\xNN`` and each control character
    as ``\\uNNNN``: a file name fit to be a document id, cited and fetched by URL."""
    if not _UNSAFE.search(name):
        return name
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", name)


def _one_line(text: str) -> str:
    """A title on one line: control characters (a newline in a page's title) become spaces."""
    return " ".join(_UNSAFE.sub(" ", text).split())


class CorpusError(Exception):
    """The corpus as a whole can't be used (missing folder, nothing readable)."""


class SkipFile(Exception):
    """One file can't be read; the message says why."""


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    skipped: tuple[tuple[str, str], ...]  # (path, reason) of files found bad in this read
    skipped_before: int = 0  # unchanged files already found bad (and reported) before
    notes: tuple[tuple[str, str], ...] = ()  # (path, note) of files read with a doubt, e.g. a tiny article


def load_corpus(
    folder: str | os.PathLike[str],
    notify: Callable[[str], None] | None = None,
    records: CorpusRecords | None = None,
) -> Corpus:
    """Read every supported file under ``folder`` (recursively, sorted by path). With ``records``
    a file whose size and time are unchanged is not read again but taken from them; ``notify``
    hears "reading N files" when there are many to read."""
    root = Path(folder)
    if not root.is_dir():
        raise CorpusError(f"corpus folder not found: {root}")
    # by path in the folder, in path order: a Document, or why the file was skipped
    found: dict[str, Document | str] = {}
    to_read = []
    for key, path in _article_files(root):
        stat = _stat(path)
        known = records.known(key, stat, safe_name(str(path))) if records is not None and stat is not None else None
        if known is not None:
            found[key] = known
        else:
            found[key] = ""  # keeps its place in the order; read below
            to_read.append((key, path, stat))
    if notify and len(to_read) >= MANY_FILES:
        notify(f"reading {len(to_read):,} files ...")
    skipped: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    for key, path, stat in to_read:
        said: list[str] = []
        try:
            found[key] = read_document(path, doc_id=key, notes=said)
            notes.extend((safe_name(str(path)), note) for note in said)
        except SkipFile as exc:
            found[key] = str(exc)
            skipped.append((safe_name(str(path)), str(exc)))
        if records is not None and stat is not None:
            records.record(key, stat, found[key])
    notes += records.damage_notes() if records is not None else []
    documents = tuple(d for d in found.values() if isinstance(d, Document))
    skipped_before = len(found) - len(documents) - len(skipped)
    return Corpus(documents, tuple(skipped), skipped_before, tuple(notes))  # type: ignore[arg-type]


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None  # reading it will say why


def _article_files(root: Path) -> list[tuple[str, Path]]:
    """(path in the folder, path) of the supported files under ``root``, sorted; symlinked
    folders included: each real folder is walked once, so a link back up the tree can't loop."""
    found: list[tuple[str, Path]] = []
    prefix = len(str(root).rstrip(os.sep)) + 1
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            stat = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (stat.st_dev, stat.st_ino) in seen:
            dirnames[:] = []  # reached again through a link: already walked
            continue
        seen.add((stat.st_dev, stat.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        folder = dirpath[prefix:].replace(os.sep, "/")
        for name in filenames:
            if name.lower().endswith(SUFFIXES) and not name.startswith("."):
                key = f"{folder}/{name}" if folder else name
                found.append((safe_name(key), Path(dirpath, name)))
    return sorted(found, key=lambda item: item[0])


def read_document(path: Path, doc_id: str | None = None, notes: list[str] | None = None) -> Document:
    """Read one article file; raise SkipFile with a one-line reason if it can't be used.
    Doubts about what was read (a guessed encoding, a tiny article) are added to ``notes``."""
    notes = notes if notes is not None else []
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SkipFile(f"larger than {MAX_FILE_BYTES // 1_000_000} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise SkipFile(exc.strerror or str(exc)) from None
    doc_id = doc_id or safe_name(path.name)
    if path.suffix.lower() in HTML_SUFFIXES:
        doc = _from_html(data, doc_id, path, notes)  # the page's own charset declaration counts
    else:
        raw = _decode(data, notes).replace("\r\n", "\n").replace("\r", "\n")
        doc = _from_text(raw, doc_id, path)
    if not doc.text.strip():
        raise SkipFile("no article text")
    return doc


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _decode(data: bytes, notes: list[str]) -> str:
    """Text by its byte-order mark, else UTF-8, else the encoding charset-normalizer finds
    (with a note saying so); binary data is refused."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise SkipFile(f"not {encoding.upper()} text despite its byte-order mark") from None
    if b"\x00" in data[:8192]:
        raise SkipFile("binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise SkipFile("not UTF-8 text, and no other encoding fits")
    notes.append(f"not UTF-8: read as {best.encoding}")
    return str(best)


_CHARSET = re.compile(rb"""<meta[^>]*charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _honest_charset(data: bytes, notes: list[str]) -> bytes:
    """The page as it is, or, when it doesn't decode in the charset it declares, decoded by
    detection (with a note) and handed on as UTF-8 declaring UTF-8."""
    declared = _CHARSET.search(data[:4096])
    if declared is None:
        return data
    name = declared.group(1).decode("ascii")
    try:
        data.decode(name)
        return data
    except LookupError:
        return data  # a charset Python doesn't know: left to trafilatura
    except UnicodeDecodeError:
        pass
    said: list[str] = []
    text = _decode(data, said)
    notes.append(f"not {name} as the page declares: read as {said[0].split()[-1] if said else 'UTF-8'}")
    return _redeclared(text, name)


def _redeclared(text: str, name: str) -> bytes:
    """``text`` as UTF-8 with its charset declaration changed to say so."""
    return re.sub(rf"""(charset\s*=\s*["']?){re.escape(name)}""", r"\g<1>utf-8", text, count=1, flags=re.IGNORECASE).encode("utf-8")


def parse_header(raw: str) -> tuple[dict[str, str], str]:
    """Split an optional ``---``-fenced ``key: value`` header from the body."""
    if not raw.startswith("---\n"):
        return {}, raw
    end = raw.find("\n---\n", 3)
    if end < 0:
        return {}, raw
    fields: dict[str, str] = {}
    for line in raw[4:end].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields[key.strip().lower()] = value.strip()
    return fields, raw[end + 5 :]


def _from_text(raw: str, doc_id: str, path: Path) -> Document:
    fields, body = parse_header(raw)
    if path.suffix.lower() == ".md":
        from .extract import markdown_text

        body = markdown_text(body)  # quotes are of the text a reader sees, not of its markup
    body = body.strip()
    title = fields.get("title", "")
    if not title:
        first, _, rest = body.partition("\n\n")
        first_line = first.strip().lstrip("#").strip()
        if first and "\n" not in first.strip() and len(first_line) <= MAX_TITLE_LINE and rest.strip():
            title, body = first_line, rest.strip()
        else:
            title = path.stem
    return Document(
        id=doc_id,
        title=_one_line(title) or safe_name(path.stem),
        text=body,
        outlet=fields.get("outlet", ""),
        authors=_split_authors(fields.get("authors", fields.get("author", ""))),
        date=iso(fields["date"]) if fields.get("date") else dateline(body),
        source=safe_name(str(path)),
    )


def _from_html(data: bytes, doc_id: str, path: Path, notes: list[str]) -> Document:
    try:
        from .extract import html_article  # trafilatura: only needed for HTML, and slow to import
    except ImportError as exc:
        raise SkipFile(f"HTML support is not installed ({exc})".splitlines()[0]) from None
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SkipFile("binary file")
    extracted = html_article(_honest_charset(data, notes))
    if extracted is None:
        raise SkipFile("no article found in the HTML page")
    notes.extend(extracted.warnings)
    return Document(
        id=doc_id,
        title=_one_line(extracted.title or "") or safe_name(path.stem),
        text=extracted.text,
        outlet=extracted.outlet,
        authors=_split_authors(extracted.authors),
        date=extracted.date,
        source=safe_name(str(path)),
    )


def _split_authors(value: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in value.replace(";", ",").split(",") if a.strip()) if value else ()
