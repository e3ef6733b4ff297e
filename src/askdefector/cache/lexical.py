"""The BM25 index and each sentence's words, saved under a hash of all the texts and settings."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .. import lexical
from ..lexical import LexicalIndex
from .files import Notify, text_hash, write_lock
from .spans import segmenter_version


def lexical_index(
    root: str | os.PathLike[str],
    texts: Sequence[str],
    sentences: Sequence[str],
    notify: Notify | None = None,
    digests: Sequence[str] | None = None,
    save: bool = True,
    damage: list[str] | None = None,
) -> tuple[LexicalIndex, list[list[str]]]:
    """BM25 over ``texts`` plus the terms of each sentence, read from ``root`` when built before.

    Saved as ``lexical-<hash of all texts and settings>/``, written to a temporary folder and
    renamed into place, so a reader finds either a whole index or none. A saved one that fails
    to load is built again, and said so in ``damage``.
    """
    digest = hashlib.sha256()
    for part in (lexical.K1, lexical.B, lexical.STOPWORDS, lexical.FORMAT, segmenter_version(), len(texts), "distinct terms"):
        digest.update(f"{part}\n".encode())
    for h in digests if digests is not None else map(text_hash, (*texts, *sentences)):
        digest.update(h.encode())
    folder = Path(root) / f"lexical-{digest.hexdigest()[:24]}"
    try:
        index = LexicalIndex.load(folder)
        terms = json.loads((folder / "terms.json").read_text("utf-8"))
        if index.size == len(texts) and isinstance(terms, list) and len(terms) == len(sentences):
            return index, terms
        raise ValueError("its sizes are not those of the passages")
    except FileNotFoundError:
        if folder.exists() and damage is not None:
            damage.append(f"the BM25 index in {folder} is missing a file")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if damage is not None:
            damage.append(f"the BM25 index in {folder} is damaged ({str(exc).splitlines()[0][:80]})")
    index = LexicalIndex(texts)
    terms = index.analyzer.distinct_terms_of(sentences)
    if not save:
        return index, terms
    with write_lock(Path(root), notify, wait=False) as can_write:  # busy: the writer saves its own
        if can_write:
            with contextlib.suppress(OSError):
                tmp = Path(tempfile.mkdtemp(dir=root, prefix=".lexical-", suffix=".tmp"))
                try:
                    index.save(tmp)
                    (tmp / "terms.json").write_text(json.dumps(terms))
                    for old in Path(root).glob("lexical-*"):
                        shutil.rmtree(old, ignore_errors=True)
                    os.rename(tmp, folder)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
    return index, terms
