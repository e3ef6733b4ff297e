"""The records that travel between pipeline stages: all frozen, all plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

TITLE_CHARS = 48  # a citation shows a title up to this long, else cut at a word with " ..."


@dataclass(frozen=True)
class Document:
    """One article: its quotable ``text`` plus metadata that is never quoted."""

    id: str
    title: str
    text: str
    outlet: str = ""
    authors: tuple[str, ...] = ()
    date: str = ""
    source: str = ""  # where it was read from (a path), for messages only


@dataclass(frozen=True)
class Passage:
    """A window of consecutive sentences; ``doc.text[start:end] == text``."""

    doc_id: str
    id: str  # stable while its article is unchanged: "<doc_id>#<n>", the article's n-th passage (from 0)
    paragraph: int  # 1-based paragraph number of the first sentence
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # absolute spans of its sentences


@dataclass(frozen=True)
class Hit:
    """A ranked passage: what ``KnowledgeBase.search`` returns."""

    doc_id: str
    title: str
    text: str
    start: int
    end: int
    score: float
    paragraph: int
    passage: str  # the passage's stable id (``Passage.id``)
    outlet: str = ""


@dataclass(frozen=True)
class Quote:
    """A verbatim span of a document offered as (part of) an answer."""

    text: str
    doc_id: str
    title: str
    outlet: str
    paragraph: int
    start: int
    end: int
    score: float
    passage: str  # stable id of the passage it came from (``Passage.id``), for ``:sources``
    answer_start: int | None = None  # the answer inside the quote (document offsets), when the reader marked one
    answer_end: int | None = None
    date: str = ""  # the article's date (``Document.date``), when known

    @property
    def citation(self) -> str:
        """Where the quote comes from, e.g. ``NBC News, 2019-05-13, "Title ...", paragraph 4``."""
        title = self.title if len(self.title) <= TITLE_CHARS else _cut_at_word(self.title, TITLE_CHARS - 4) + " ..."
        source = ", ".join(x for x in (self.outlet, self.date, f'"{title}"') if x)
        return f"{source}, paragraph {self.paragraph}"


@dataclass(frozen=True)
class Statement:
    """How one quote states the answer: a verbatim slice of its article (``text``, at document
    offsets ``start:end``), the quote's index in ``Answer.quotes``, and its source's name."""

    quote: int
    source: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Agreement:
    """Whether the articles quoted agree on the answer ("agree": one value) or differ (two or
    more values), and each value as each source states it."""

    kind: str
    values: tuple[tuple[Statement, ...], ...]


@dataclass(frozen=True)
class Answer:
    """Quotes that answer a question, best first; ``found`` is False when declining.

    When declining, ``quotes`` holds the closest matches, shown as such, never as an answer.
    """

    question: str
    found: bool
    quotes: tuple[Quote, ...] = field(default_factory=tuple)
    confidence: float = 0.0
    note: str = ""  # something the user should know, e.g. that a long question was cut
    low_confidence: bool = False  # answered, but the reader doubts the first quote answers
    agreement: Agreement | None = None  # when two or more articles state the answer: do they agree?


def _cut_at_word(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at the end of a word, without trailing punctuation."""
    cut = text[: limit + 1]
    if " " in cut.strip():
        cut = cut.rsplit(" ", 1)[0]
    return cut[:limit].rstrip(" ,;:-\u2013\u2014")
