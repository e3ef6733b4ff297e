"""Stage 2: split documents into paragraphs, sentences and overlapping passages.

Sentences come from syntok, a rule-based segmenter that knows abbreviations ("Nov. 13",
"U.S.", "6:30 p.m. ET") and keeps quoted speech whole; every span is an offset into the
document text, so ``doc.text[start:end]`` is always the exact passage or sentence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from .types import Document, Passage

WINDOW = 3  # sentences per passage
STRIDE = 2  # sentences between passage starts: consecutive passages share one sentence

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


@functools.cache
def _syntok():
    """syntok's segmenter and a tokenizer, imported when a text is first split: opening an index
    whose spans are cached does not need them."""
    from syntok import segmenter
    from syntok.tokenizer import Tokenizer

    return segmenter, Tokenizer(replace_not_contraction=False)


class Sentence(NamedTuple):
    """One sentence of a document, with its paragraph number (1-based). A named tuple: a corpus
    has tens of thousands, made at every open."""

    doc_id: str
    paragraph: int
    start: int
    end: int


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the blank-line separated paragraphs of ``text``, whitespace trimmed."""
    spans = []
    pos = 0
    for brk in [*_PARAGRAPH_BREAK.finditer(text), None]:
        stop = brk.start() if brk else len(text)
        start, end = _trim(text, pos, stop)
        if start < end:
            spans.append((start, end))
        if brk:
            pos = brk.end()
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text[start:end]``, as offsets into ``text``."""
    end = len(text) if end is None else end
    chunk = text[start:end]
    spans = []
    segmenter, tokenizer = _syntok()
    for sentence in segmenter.split(tokenizer.tokenize(chunk)):
        if not sentence:
            continue
        first, last = sentence[0], sentence[-1]
        s, e = first.offset, last.offset + len(last.value)
        if not last.value and s == e:
            continue
        spans.append((start + s, start + e))
    return _cover(text, start, end, spans)


def _cover(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Make the sentence spans tile the chunk: no words lost between or around them."""
    if not spans:
        s, e = _trim(text, start, end)
        return [(s, e)] if s < e else []
    out = []
    for i, (s, e) in enumerate(spans):
        s = start if i == 0 else s
        e = spans[i + 1][0] if i + 1 < len(spans) else end
        s, e = _trim(text, s, e)
        if s < e:
            out.append((s, e))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def document_sentences(doc: Document) -> list[Sentence]:
    """All sentences of a document in order, each tagged with its paragraph."""
    return [
        Sentence(doc.id, number, s, e)
        for number, (p_start, p_end) in enumerate(paragraph_spans(doc.text), 1)
        for s, e in sentence_spans(doc.text, p_start, p_end)
    ]


def windows(n: int, window: int = WINDOW, stride: int = STRIDE) -> Iterator[tuple[int, int]]:
    """Index ranges ``[i, j)`` of overlapping windows that cover ``n`` items."""
    i = 0
    while True:
        j = min(i + window, n)
        yield i, j
        if j >= n:
            return
        i += stride


def make_passages(
    documents: Iterable[Document],
    window: int = WINDOW,
    stride: int = STRIDE,
    segment: Callable[[Document], list[Sentence]] = document_sentences,
) -> tuple[list[Passage], list[Sentence]]:
    """Passages (sentence windows within a paragraph) and sentences of all documents.

    ``segment`` splits one document into sentences; a caller may pass a cached one.
    """
    passages: list[Passage] = []
    sentences: list[Sentence] = []
    for doc in documents:
        doc_sentences = segment(doc)
        sentences.extend(doc_sentences)
        by_paragraph: dict[int, list[Sentence]] = {}
        for sentence in doc_sentences:
            by_paragraph.setdefault(sentence.paragraph, []).append(sentence)
        first = len(passages)
        for number, group in by_paragraph.items():
            for i, j in windows(len(group), window, stride):
                part = group[i:j]
                start, end = part[0].start, part[-1].end
                passages.append(
                    Passage(
                        doc_id=doc.id,
                        id=f"{doc.id}#{len(passages) - first}",
                        paragraph=number,
                        start=start,
                        end=end,
                        text=doc.text[start:end],
                        sentences=tuple((s.start, s.end) for s in part),
                    )
                )
    return passages, sentences
