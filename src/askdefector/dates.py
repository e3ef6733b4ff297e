"""Dates written in text ("March 3, 2025", "3 March", "2025-03-03", "March 2025"): read to
compare what sources say (compare.py) and to date an article by its dateline (corpus.py)."""

from __future__ import annotations

import re

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
_MONTH = {m: i + 1 for i, m in enumerate(_MONTHS)} | {m[:3]: i + 1 for i, m in enumerate(_MONTHS)} | {"sept": 9}
_MONTH_NAME = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_DATES = [  # March 3, 2025 / 3 March 2025 / 2025-03-03 / March 2025
    re.compile(rf"\b(?P<month>{_MONTH_NAME})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?\b"),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTH_NAME})(?:,?\s+(?P<year>\d{{4}}))?\b"),
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(rf"\b(?P<month>{_MONTH_NAME})\s+(?P<year>\d{{4}})\b"),
]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# "SKARHOLM, March 4, 2025 —": a place in capitals, a date, a dash, at the start of an article
_DATELINE = re.compile(r"^[A-Z][A-Z .'’-]+(?:,\s*[A-Z][A-Za-z .'’-]+)?,\s+(?P<date>[^—–]{6,30}?)\s*(?:—|–|--|-\s)")


def date_of(text: str) -> tuple[int | None, int, int | None] | None:
    """The first date in ``text`` as (year, month, day), either of year and day possibly None."""
    found = find_date(text)
    return found[0] if found else None


def find_date(text: str) -> tuple[tuple[int | None, int, int | None], tuple[int, int]] | None:
    """The first date in ``text`` and where it stands: ((year, month, day), (start, end))."""
    found = []
    for pattern in _DATES:
        m = pattern.search(text)
        if m:
            month = m.group("month").lower().rstrip(".")
            number = int(month) if month.isdigit() else _MONTH.get(month[:3])
            day, year = m.groupdict().get("day"), m.groupdict().get("year")
            if number and 1 <= number <= 12 and (day is None or 1 <= int(day) <= 31):
                found.append((m.start(), -m.end(), (int(year) if year else None, number, int(day) if day else None)))
    if not found:
        return None
    start, end, day = min(found)
    return day, (start, -end)


def date_spans(text: str) -> list[tuple[int, int]]:
    """Where each date written in ``text`` stands (any form above; overlapping matches kept)."""
    return [m.span() for pattern in _DATES for m in pattern.finditer(text)]


def iso(text: str) -> str:
    """``text`` as YYYY-MM-DD when it holds a whole date, else ``text`` as it is."""
    found = date_of(text)
    if found and found[0] and found[2]:
        return f"{found[0]:04d}-{found[1]:02d}-{found[2]:02d}"
    return text.strip()


def dateline(text: str) -> str:
    """The date of an article's dateline ("SKARHOLM, March 4, 2025 — ...") as YYYY-MM-DD, or ""."""
    m = _DATELINE.match(text)
    if not m:
        return ""
    found = iso(m.group("date"))
    return found if ISO_DATE.match(found) else ""
