"""The local store's contents as columns: a few NumPy arrays instead of one Python object per
passage and per sentence, so a million passages open in the time their files take to map.

- documents: metadata in one JSON list; their texts as one UTF-8 blob with byte offsets;
- sentences: one int32 row each (document row, paragraph, start, end; character offsets);
- passages: one int32 row each (document row, number in its article, paragraph, first sentence,
  sentence count): a passage is a run of consecutive sentences, so its spans and text follow;
- each sentence's distinct words: ids into a vocabulary, in CSR form, with each word's sentence count;
- the passage and sentence vectors, row for row.

``save`` writes them to a folder (``.npy`` arrays and JSON, never pickle); ``load`` maps them back.
"""

from __future__ import annotations

import hashlib
import json
import os
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..types import Document

FORMAT = 1
ARRAYS = ("text_offsets", "sentence_rows", "passage_rows", "term_offsets", "term_ids", "term_counts", "passage_vectors", "sentence_vectors")
DOC, PARAGRAPH, START, END = range(4)  # sentence_rows columns
P_DOC, P_NUMBER, P_PARAGRAPH, P_FIRST, P_COUNT = range(5)  # passage_rows columns


@dataclass(frozen=True)
class Columns:
    """Documents, sentences, passages, their words and vectors, as arrays (see the module)."""

    documents: list[list]  # [id, title, outlet, [authors], date, source] per document, in order
    texts: np.ndarray  # uint8: every document's text, UTF-8, one after another
    text_offsets: np.ndarray  # int64 (documents + 1): where each text starts in ``texts``
    sentence_rows: np.ndarray  # int32 (sentences, 4)
    passage_rows: np.ndarray  # int32 (passages, 5), grouped by document in document order
    vocabulary: list[str]
    term_offsets: np.ndarray  # int64 (sentences + 1) into ``term_ids``
    term_ids: np.ndarray  # int32: each sentence's distinct words, in order of first use
    term_counts: np.ndarray  # int64 (words): sentences holding each word
    passage_vectors: np.ndarray  # float32, unit rows
    sentence_vectors: np.ndarray
    text_digests: np.ndarray | None = None  # uint8 (documents, 16): each text's BLAKE2b; None in a store saved before them

    def document(self, row: int) -> Document:
        """The document of ``row``; raises ``DamagedText`` when its text is not what was saved."""
        doc_id, title, outlet, authors, date, source = self.documents[row]
        data = self.texts[self.text_offsets[row] : self.text_offsets[row + 1]].tobytes()
        if self.text_digests is not None and _digest(data) != self.text_digests[row].tobytes():
            raise DamagedText(f"the saved text of {doc_id} does not match its checksum (the store is damaged)", (doc_id,))
        return Document(doc_id, title, data.decode("utf-8"), outlet, tuple(authors), date, source)


class DamagedText(ValueError):
    """A document's saved text (or vector) is not what was indexed: it is never quoted. A store
    that raises it has left those documents out, so the question can be asked again."""

    def __init__(self, message: str, doc_ids: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.doc_ids = tuple(doc_ids)


def damaged_rows(c: Columns) -> list[int]:
    """The rows of the documents whose text fails its checksum (or doesn't decode) or whose
    passages or sentences hold a NaN or infinite vector: what a small store leaves out at open,
    and what ``index --check`` looks for in any store."""
    return sorted(set(damaged_text_rows(c)) | set(damaged_vector_rows(c)))


def damaged_text_rows(c: Columns) -> list[int]:
    """The rows of the documents whose text fails its checksum or doesn't decode."""
    bad = []
    for row in range(len(c.documents)):
        try:
            c.document(row)
        except ValueError:  # DamagedText, or text that doesn't decode in a store saved before checksums
            bad.append(row)
    return bad


def damaged_vector_rows(c: Columns, block: int = 65536) -> list[int]:
    """The rows of the documents with a NaN or infinite passage or sentence vector, read in
    contiguous blocks (about 1.5 s for a million passages' 6 GB once they are in the page cache)."""
    bad = set()
    for vectors, rows, column in ((c.passage_vectors, c.passage_rows, P_DOC), (c.sentence_vectors, c.sentence_rows, DOC)):
        for start in range(0, len(vectors), block):
            sums = np.asarray(vectors[start : start + block]).sum(axis=1)  # NaN and infinity survive a sum
            bad.update(rows[start + np.flatnonzero(~np.isfinite(sums)), column].tolist())
    return sorted(bad)


def name_list(ids: Sequence[str]) -> str:
    """Up to three document ids for a message, and how many more."""
    return ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def digests(encoded: Sequence[bytes]) -> np.ndarray:
    """Each text's BLAKE2b (16 bytes), one row per text."""
    return np.frombuffer(b"".join(_digest(b) for b in encoded), dtype=np.uint8).reshape(len(encoded), 16)


def build(
    documents: Sequence[Document],
    sentences: Sequence[tuple[str, int, int, int]],
    passages: Sequence[tuple[str, int, int, int]],
    sentence_terms: Sequence[Sequence[str]],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
) -> Columns:
    """Columns from records: ``sentences`` as (doc id, paragraph, start, end) in document order,
    ``passages`` as (doc id, paragraph, first sentence, sentence count) in document order."""
    row_of = {d.id: i for i, d in enumerate(documents)}
    encoded = [d.text.encode("utf-8") for d in documents]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    sentence_rows = np.array([(row_of[d], p, s, e) for d, p, s, e in sentences], dtype=np.int32).reshape(-1, 4)
    numbers: dict[str, int] = {}
    passage_rows = []
    for doc_id, paragraph, first, count in passages:
        n = numbers[doc_id] = numbers.get(doc_id, -1) + 1
        passage_rows.append((row_of[doc_id], n, paragraph, first, count))
    vocabulary: dict[str, int] = {}
    ids = [vocabulary.setdefault(t, len(vocabulary)) for terms in sentence_terms for t in terms]
    term_ids = np.array(ids, dtype=np.int32)
    term_offsets = np.zeros(len(sentence_terms) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in sentence_terms], out=term_offsets[1:])
    return Columns(
        documents=[[d.id, d.title, d.outlet, list(d.authors), d.date, d.source] for d in documents],
        texts=np.frombuffer(b"".join(encoded), dtype=np.uint8),
        text_offsets=offsets,
        sentence_rows=sentence_rows,
        passage_rows=np.array(passage_rows, dtype=np.int32).reshape(-1, 5),
        vocabulary=list(vocabulary),
        term_offsets=term_offsets,
        term_ids=term_ids,
        term_counts=np.bincount(term_ids, minlength=len(vocabulary)).astype(np.int64),
        passage_vectors=np.asarray(passage_vectors, dtype=np.float32),
        sentence_vectors=np.asarray(sentence_vectors, dtype=np.float32),
        text_digests=digests(encoded),
    )


def save(columns: Columns, folder: Path, params: dict) -> None:
    """Write ``columns`` into ``folder`` (new and empty; the caller renames it into place)."""
    for name in ARRAYS:
        np.save(folder / f"{name}.npy", getattr(columns, name), allow_pickle=False)
    (folder / "texts.bin").write_bytes(columns.texts.tobytes())
    text_digests = columns.text_digests
    if text_digests is None:  # columns loaded from a store saved before digests: made from its texts now
        o = columns.text_offsets
        text_digests = digests([columns.texts[o[i] : o[i + 1]].tobytes() for i in range(len(columns.documents))])
    np.save(folder / "text_digests.npy", text_digests, allow_pickle=False)
    (folder / "documents.json").write_text(json.dumps(columns.documents, ensure_ascii=False), "utf-8")
    (folder / "vocabulary.json").write_text(json.dumps(columns.vocabulary, ensure_ascii=False), "utf-8")
    counts = {"documents": len(columns.documents), "passages": len(columns.passage_rows), "sentences": len(columns.sentence_rows)}
    shape = {"dim": int(columns.passage_vectors.shape[1]) if columns.passage_vectors.ndim == 2 else 0, "text_digests": True}
    (folder / "columns.json").write_text(json.dumps({"format": FORMAT, **counts, **shape, **params}))


def load(folder: Path, by_row_above: int | None = None) -> tuple[Columns, dict]:
    """The columns saved in ``folder``, memory-mapped, and their params; raises OSError or
    ValueError when the folder is missing, of another format, or its parts don't fit together
    (a damaged document is for the caller to find: ``damaged_rows``, ``Columns.document``).
    Above ``by_row_above`` passages the vectors are read row by row (``RowFile``): a store that
    big is searched approximately, a few hundred scattered rows per question."""
    params = json.loads((folder / "columns.json").read_bytes())
    if not isinstance(params, dict) or params.get("format") != FORMAT:
        raise ValueError(f"store format {params.get('format') if isinstance(params, dict) else None!r}, expected {FORMAT}")
    by_row = by_row_above is not None and int(params.get("passages", 0)) > by_row_above
    vectors = ("passage_vectors", "sentence_vectors") if by_row else ()
    arrays = {
        name: RowFile(folder / f"{name}.npy") if name in vectors else np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        for name in ARRAYS
    }
    texts = np.memmap(folder / "texts.bin", dtype=np.uint8, mode="r") if (folder / "texts.bin").stat().st_size else np.zeros(0, np.uint8)
    documents = json.loads((folder / "documents.json").read_bytes())
    vocabulary = json.loads((folder / "vocabulary.json").read_bytes())
    text_digests = None
    if params.get("text_digests"):
        if not (folder / "text_digests.npy").is_file():
            raise ValueError("text_digests.npy is missing")
        text_digests = np.load(folder / "text_digests.npy", allow_pickle=False)
    columns = Columns(documents=documents, texts=texts, vocabulary=vocabulary, text_digests=text_digests, **arrays)
    _check(columns, params)
    return columns, params


def salvage(folder: Path) -> tuple[list[Document], int]:
    """The documents of a damaged version whose text still matches its checksum, and how many
    could not be kept: what lets ``index`` rebuild a store without losing intact articles."""
    documents = json.loads((folder / "documents.json").read_bytes())
    offsets = np.load(folder / "text_offsets.npy", allow_pickle=False)
    checks = np.load(folder / "text_digests.npy", allow_pickle=False)
    texts = (folder / "texts.bin").read_bytes()
    if not isinstance(documents, list) or len(offsets) != len(documents) + 1 or checks.shape != (len(documents), 16):
        raise ValueError("its documents, offsets and checksums do not fit together")
    kept = []
    for row, record in enumerate(documents):
        data = texts[int(offsets[row]) : int(offsets[row + 1])]
        try:
            doc_id, title, outlet, authors, date, source = record
            if _digest(data) == checks[row].tobytes():
                kept.append(Document(doc_id, title, data.decode("utf-8"), outlet, tuple(authors), date, source))
        except (TypeError, ValueError):
            pass
    return kept, len(documents) - len(kept)


class RowFile:
    """The rows of a 2-D ``.npy`` array, read with ``pread`` when asked for. A question on a big
    store reads a few hundred scattered vectors; through a memory map each one brought its whole
    2 MB page-cache folio into the process's resident memory (7.7 GB after 400 questions on a
    million passages, against about 1 GB read this way)."""

    def __init__(self, path: Path) -> None:
        fmt = np.lib.format
        with open(path, "rb") as fh:
            read_header = fmt.read_array_header_1_0 if fmt.read_magic(fh) == (1, 0) else fmt.read_array_header_2_0
            shape, fortran_order, dtype = read_header(fh)
            self._offset = fh.tell()
        if len(shape) != 2 or fortran_order or dtype.hasobject:
            raise ValueError(f"{path.name} is not a 2-D array of numbers")
        self.shape, self.dtype = shape, dtype
        self._row = self.shape[1] * self.dtype.itemsize
        if path.stat().st_size < self._offset + self.shape[0] * self._row:
            raise ValueError(f"{path.name} is shorter than its header says")
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: object) -> np.ndarray:
        if isinstance(rows, slice):  # contiguous rows in one read
            start, stop, step = rows.indices(self.shape[0])
            if step == 1:
                count = max(stop - start, 0)
                data = os.pread(self._fd, count * self._row, self._offset + start * self._row)
                return np.frombuffer(data, self.dtype).reshape(count, self.shape[1])
            rows = range(start, stop, step)
        ids = np.asarray(rows, dtype=np.int64).ravel().tolist()
        data = b"".join(os.pread(self._fd, self._row, self._offset + i * self._row) for i in ids)
        return np.frombuffer(data, self.dtype).reshape(len(ids), self.shape[1])


def _check(c: Columns, params: dict) -> None:
    """The cheap checks that catch a truncated or mixed-up folder: every count agrees."""
    n_docs, n_passages, n_sentences = len(c.documents), len(c.passage_rows), len(c.sentence_rows)
    problems = [
        (n_docs, n_passages, n_sentences) != (params.get("documents"), params.get("passages"), params.get("sentences")),
        len(c.text_offsets) != n_docs + 1 or (n_docs and c.text_offsets[-1] != len(c.texts)),
        len(c.term_offsets) != n_sentences + 1 or (n_sentences and c.term_offsets[-1] != len(c.term_ids)),
        len(c.term_counts) != len(c.vocabulary),
        len(c.passage_vectors) != n_passages or len(c.sentence_vectors) != n_sentences,
        c.sentence_rows.shape[1:] != (4,) or c.passage_rows.shape[1:] != (5,),
        bool(params.get("dim")) and (c.passage_vectors.shape[1:] != (params["dim"],) or c.sentence_vectors.shape[1:] != (params["dim"],)),
        c.text_digests is not None and c.text_digests.shape != (n_docs, 16),
    ]
    if any(problems):
        raise ValueError("the store's files do not fit together (damaged or partly written)")
