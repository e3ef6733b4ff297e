"""Stage 7: sources side by side. The answers the reader marked in quotes from different articles
are compared as values (a number, a date, a time of day, or a name's words), so an answer can say
that the outlets agree or that they differ, and who said what.

Nothing is rewritten: a value is shown as a verbatim slice of its article (the reader's span, with
a qualifier such as "at least" that stands just before it), and the line names the outlets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .dates import ISO_DATE, date_of, date_spans, find_date
from .types import Agreement, Quote, Statement

_TIME = re.compile(  # 11:40 p.m. / 10.15 pm / 9 a.m. / 23:15
    r"\b(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>a\.?\s?m\.?|p\.?\s?m\.?)(?!\w)|\b(?P<h24>\d{1,2}):(?P<m24>\d{2})\b", re.I
)
_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
          "eighteen": 18, "nineteen": 19, "a": 1, "an": 1, "once": 1, "twice": 2}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"dozen": 12, "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
_NUMBER = re.compile(
    rf"\d[\d,]*(?:\.\d+)?(?:\s+(?:{'|'.join(_SCALES)})\b)?|\b(?:{_WORD})(?:[\s-]+(?:and\s+)?(?:{_WORD}))*\b", re.I
)
_YEAR = re.compile(r"\b\d{4}\b")
_QUALIFIER = re.compile(
    r"(?:at least|at most|more than|fewer than|less than|over|under|about|around|almost|nearly|roughly|some|"
    r"approximately|up to|as many as|as few as|within|only|just)\s+$",
    re.I,
)
_CURRENCY = re.compile(r"[$€£¥]\s*$")
_SYMBOLS = {"$": "dollar", "€": "euro", "£": "pound", "¥": "yen"}
_PER_HOUR = re.compile(r"\s*(?:/\s*h(?:r|our)?\b|(?:an|per|a)\s+hour\b)", re.I)  # "90 km/h", "90 kilometres an hour"
_DURATION = {"second": 1 / 60, "minute": 1, "hour": 60, "day": 1440, "week": 10080}
_MEASURES = {  # a number's unit -> what it measures, in which unit; numbers of different measures are not compared
    **{c: f"money:{c}" for c in ("euro", "dollar", "pound", "yen", "yuan", "won", "franc", "krone")},  # each currency its own
    "krona": "money:krona", "kronor": "money:krona", "kroner": "money:krone",
    **dict.fromkeys(["kilometre", "kilometer", "km"], "distance:km"), "mile": "distance:mile",
    **dict.fromkeys(["metre", "meter", "m"], "distance:m"), **dict.fromkeys(["foot", "feet"], "distance:foot"),
    "kph": "speed:km", "mph": "speed:mile",  # and a distance an hour ("90 km/h")
    **dict.fromkeys(["tonne", "ton"], "weight:tonne"), **dict.fromkeys(["kg", "kilogram", "kilo"], "weight:kg"),
    **dict.fromkeys(["gram", "g"], "weight:g"), "lb": "weight:lb",
    **dict.fromkeys(["percent", "per", "%"], "share"),
}  # fmt: skip
_TITLES = {"captain", "capt", "mr", "mrs", "ms", "dr", "mayor", "president", "minister", "general", "sir", "lord", "lady", "professor"}
_STOP = {"the", "a", "an", "of", "and", "in", "on", "at", "to", "for", "by", "with", "its", "his", "her", "their", "s"}
_ASKS_TIME = re.compile(r"\bwhat time\b|\bat what (?:hour|time)\b", re.I)
_ASKS_DATE = re.compile(r"\bwhen\b|\bwhat (?:date|day|year|month)\b|\bin (?:what|which) (?:year|month)\b|\bon what (?:date|day)\b", re.I)
_ASKS_NUMBER = re.compile(r"\bhow (?:many|much|old|long|far|big|large|tall|high|often|fast|strong|deep)\b|\bwhat (?:number|percentage|age)\b", re.I)


@dataclass(frozen=True)
class Value:
    """A span read as a value: its kind ("number", "date", "time" or "words") and what is compared."""

    kind: str
    key: object


def asks_for(question: str) -> str | None:
    """The kind of value a question asks for, from its wording ("how many" -> "number"), or None."""
    if _ASKS_TIME.search(question):
        return "time"
    if _ASKS_NUMBER.search(question):
        return "number"
    if _ASKS_DATE.search(question):
        return "date"
    return None


def number_of(text: str) -> tuple[float, str, int, int] | None:
    """The first number in ``text`` (digits or words: "212", "eleven", "twenty-five", "a dozen"),
    the word after it (its unit), where it starts and where its unit ends; or None."""
    for m in _NUMBER.finditer(text):
        words = [w for w in re.split(r"[\s-]+", m.group().lower().replace(",", "")) if w != "and"]
        after = re.match(r"[\s-]*([A-Za-z]+)", text[m.end() :])
        unit = after.group(1).lower() if after else ""
        if words[0][0].isdigit():
            value = float(words[0]) * (_SCALES[words[1]] if len(words) > 1 else 1)
        elif words in (["a"], ["an"]):
            if unit not in _DURATION:
                continue  # a lone article is no number; "an hour" is one
            value = 1.0
        else:
            value, current = 0.0, 0.0
            for w in words:
                if w in _SCALES:
                    current = max(current, 1) * _SCALES[w]
                    if _SCALES[w] >= 1000:
                        value, current = value + current, 0.0
                else:
                    current += _UNITS.get(w, 0) + _TENS.get(w, 0)
            value += current
        return value, unit, m.start(), m.end() + (after.end() if after else 0)
    return None


def time_of(text: str) -> tuple[int, int] | None:
    """The first time of day in ``text`` ("11:40 p.m.", "10.15 pm", "23:15") as (hour, minute)."""
    m = _TIME.search(text)
    if not m:
        return None
    if m.group("h24"):
        return int(m.group("h24")) % 24, int(m.group("m24"))
    hour = int(m.group("hour")) % 12 + (12 if m.group("half").lower().startswith("p") else 0)
    return hour, int(m.group("minute") or 0)


def words_of(text: str) -> tuple[frozenset[str], str]:
    """A name or phrase as the set of its words (lower case, without titles and little words),
    and its last capitalised word (a surname, a company's last name), or ""."""
    tokens = [re.sub(r"['’]s$", "", t) for t in re.findall(r"[\w’']+", text)]
    names = [t for t in tokens if t[0].isupper() and t.lower() not in _TITLES | _STOP]  # not "At" of "At least"
    words = frozenset(t.lower() for t in tokens if t.lower() not in _STOP | _TITLES)
    return words, (names[-1].lower() if names else "")


def value_of(text: str, wanted: str | None) -> Value | None:
    """``text`` (a span) read as a value of the kind the question asks for; with no kind asked, a
    number when it opens with one ("five times"), else a name's words ("Captain Elin Marsk, 54").
    A time of day is no number. None when it holds no value of the kind asked."""
    if wanted == "time":
        found = time_of(text)
        return Value("time", found) if found else None
    number = number_of(text)
    if wanted == "date":
        day = date_of(text)
        if day:
            return Value("date", day)
        if number and 1000 <= number[0] <= 2999:
            return Value("date", (int(number[0]), None, None))  # a year alone
    elif number is not None and time_of(text) is None and (wanted == "number" or not text[: number[2]].strip()):
        value, unit, at, after = number
        unit = unit[:-1] if unit.endswith("s") else unit
        if unit in _DURATION:
            return Value("number", ("minutes", value * _DURATION[unit]))
        currency = _CURRENCY.search(text[:at])
        measure = f"money:{_SYMBOLS[currency.group().strip()]}" if currency else _MEASURES.get(unit, "")
        if measure.startswith("distance:") and _PER_HOUR.match(text, after):
            measure = measure.replace("distance", "speed")
        return Value("number", (measure, value))
    elif wanted == "number":
        return None
    words = words_of(text)
    return Value("words", words) if words[1] else None  # a name: "a spokeswoman" says nothing to compare


def same(a: Value, b: Value) -> bool:
    """Whether two values say the same: equal numbers (a duration in the same minutes), dates
    that don't contradict (a missing year or day doesn't), the same time, or names whose words one
    holds all of the other's, or that end in the same capitalised word."""
    if a.kind != b.kind:
        return False
    if a.kind == "date":
        return all(x is None or y is None or x == y for x, y in zip(a.key, b.key))
    if a.kind == "words":
        (wa, last_a), (wb, last_b) = a.key, b.key
        return wa <= wb or wb <= wa or (bool(last_a) and last_a == last_b)
    return a.key == b.key


def comparable(a: Value, b: Value) -> bool:
    """Whether two values can differ at all: of one kind, and for numbers, of one measure in one
    unit (euros and hours never contradict each other, nor euros and kronor, nor a distance and a
    speed: nothing is converted; a date and a weekday neither)."""
    return a.kind == b.kind and (a.kind != "number" or a.key[0] == b.key[0])


def _counts(text: str):
    """The numbers in ``text`` that are not part of a time of day ("9:45 p.m." is no count)."""
    times = [m.span() for m in _TIME.finditer(text)]
    return (m for m in _NUMBER.finditer(text) if not any(x <= m.start() < y for x, y in times))


def _amounts(text: str) -> set[float]:
    """The distinct amounts the counts in ``text`` state, apart from dates ("five times on March
    3, 2025" states one); "a" and "an" state none ("90 km an hour")."""
    dates = date_spans(text)
    counts = (m for m in _counts(text) if m.group().lower() not in ("a", "an") and not any(x <= m.start() < y for x, y in dates))
    found = (number_of(text[m.start() :]) for m in counts)
    return {number[0] for number in found if number is not None and number[2] == 0}


def holds(text: str, wanted: str) -> bool:
    """Whether ``text`` holds a value of the kind ``wanted`` ("number", "date", "time"): a cheap
    look before the reader reads it."""
    if wanted == "time":
        return time_of(text) is not None
    if wanted == "date":
        return date_of(text) is not None or any(1000 <= int(m.group()) <= 2999 for m in _YEAR.finditer(text))
    return any(True for _ in _counts(text))


def name_in(text: str, name: Value) -> tuple[int, int] | None:
    """Where ``name`` (a words value) stands in ``text``: its last word capitalised, with the
    capitalised words just before it ("Anders Holm" in "Anders Holm had been driving"), as
    (start, end); None when ``text`` does not hold that word capitalised and last in its name
    ("Lindqvist Paper" is not Per Lindqvist)."""
    for m in re.finditer(rf"\b{re.escape(name.key[1])}\b", text, re.I):
        if not m.group()[0].isupper() or re.match(r" [A-Z]", text[m.end() :]):
            continue
        start = m.start()
        while before := re.search(r"\b[A-Z][\w’'.-]* $", text[:start]):
            start = before.start()
        return start, m.end()
    return None


def states(text: str, first: Value) -> bool:
    """Whether ``text`` (a candidate sentence) holds a value that could be compared with ``first``:
    a cheap look, before the reader reads it, for a number of the same measure, a date, a time,
    or the name's last word ("Holm" for "Anders Holm")."""
    if first.kind == "words":
        return any(m.group()[0].isupper() for m in re.finditer(rf"\b{re.escape(first.key[1])}\b", text, re.I))
    if first.kind != "number":
        return first.kind in ("time", "date") and holds(text, first.kind)
    for m in _counts(text):
        value = value_of(text[m.start() : m.end() + 24], "number")
        if value is not None and comparable(value, first):
            return True
    return False


def narrowed(document_text: str, start: int, end: int, value: Value) -> tuple[int, int]:
    """The part of a span that states a date, a time of day or a name ("June 3" of "June 3 was
    travelling at 95 km/h", "Karin Dahl" of "engineer Karin Dahl"), as document offsets; any
    other value's span whole."""
    span = document_text[start:end]
    if value.kind == "time":
        found = _TIME.search(document_text[start : end + 3])  # "p.m" of a span takes its last dot
        found = found if found and found.start() < len(span) else None
        at = found.span() if found else None
    elif value.kind == "date":
        day = find_date(span)
        year = re.search(rf"\b{value.key[0]}\b", span)
        at = day[1] if day else year.span() if year else None
    elif value.kind == "words":
        at = name_in(span, value)
    else:
        at = None
    return (start + at[0], start + at[1]) if at else (start, end)


def shown(document_text: str, start: int, end: int) -> tuple[int, int]:
    """Where the value is shown from: the span, taking in a qualifier that stands just before it
    ("at least five"), as document offsets."""
    m = _QUALIFIER.search(document_text[max(0, start - 20) : start])
    return (max(0, start - 20) + m.start(), end) if m else (start, end)


def compare(question: str, quotes: Sequence[Quote], texts: Sequence[str]) -> Agreement | None:
    """Whether the articles agree on the answer, from the first quote of each article that holds
    an answer the reader marked. ``texts`` are the quotes' documents' texts. None unless the first
    quote states a value and another article states one of the same kind (the kind the question
    asks for, else the first quote's)."""
    wanted = asks_for(question)
    stated: list[tuple[Value, Statement]] = []
    seen: set[str] = set()
    for i, (quote, text) in enumerate(zip(quotes, texts)):
        if quote.answer_start is None or quote.answer_end is None or quote.doc_id in seen:
            continue
        span = text[quote.answer_start : quote.answer_end]
        value = value_of(span, wanted)
        if value is None or (value.kind == "number" and len(_amounts(span)) > 1):
            continue  # "three of the 212": which number answers, the span doesn't say
        seen.add(quote.doc_id)
        start, end = shown(text, *narrowed(text, quote.answer_start, quote.answer_end, value))
        stated.append((value, Statement(i, source_name(quote), text[start:end], start, end)))
    if not stated or stated[0][1].quote != 0:
        return None  # the answer is the first quote: without a value there, nothing is compared
    stated = [item for item in stated if comparable(item[0], stated[0][0])]
    if len(stated) < 2:
        return None
    groups: list[list[tuple[Value, Statement]]] = []
    for item in stated:
        for group in groups:
            if same(group[0][0], item[0]):
                group.append(item)
                break
        else:
            groups.append([item])
    values = tuple(tuple(statement for _, statement in group) for group in groups)
    return Agreement("agree" if len(groups) == 1 else "differ", values)


def side_by_side(question: str, quotes: Sequence[Quote], texts: Mapping[str, str]) -> tuple[tuple[Quote, ...], Agreement | None]:
    """The quotes and whether they agree (``compare``); when every quote that states the answer is
    dated, those quotes come first, oldest first: who said it first shows. ``texts`` holds each
    quoted document's text by id."""
    quotes = tuple(quotes)
    agreement = compare(question, quotes, [texts[q.doc_id] for q in quotes])
    if agreement is None:
        return quotes, None
    members = [s.quote for statements in agreement.values for s in statements]
    if not all(ISO_DATE.match(quotes[i].date) for i in members):
        return quotes, agreement
    order = sorted(members, key=lambda i: (quotes[i].date[:10], i)) + [i for i in range(len(quotes)) if i not in members]
    if order == list(range(len(quotes))):
        return quotes, agreement
    quotes = tuple(quotes[i] for i in order)
    return quotes, compare(question, quotes, [texts[q.doc_id] for q in quotes])


def source_name(quote: Quote) -> str:
    """How a line names a quote's source: its outlet, else its title."""
    return quote.outlet or quote.title or quote.doc_id


def describe(agreement: Agreement) -> str:
    """The agreement as one line, made of the spans' own text and the sources' names: 'Business
    Insider and NBC News agree: five (Business Insider: at least five)' or 'Sources differ: 212
    (Harbor Gazette and Coastal Wire), 230 (Nordic Radio)'."""
    if agreement.kind == "agree":
        (statements,) = agreement.values
        plain = min((s.text for s in statements), key=len)
        worded = [f"{s.source}: {s.text}" for s in statements if s.text.lower() != plain.lower()]
        return f"{_names([s.source for s in statements])} agree: {plain}" + (f" ({'; '.join(worded)})" if worded else "")
    return "Sources differ: " + ", ".join(
        f"{statements[0].text} ({_names([s.source for s in statements])})" for statements in agreement.values
    )


def _names(sources: Sequence[str]) -> str:
    names = list(dict.fromkeys(sources))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
