"""Plain-text rendering of answers and hits, shared by the CLI and the REPL."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import TextIO

from .compare import describe
from .types import Agreement, Answer, Quote

DECLINED = "The articles don't answer that. Closest passages (not an answer):"
LOW_CONFIDENCE = "Low confidence: these quotes may not answer the question."
# Characters that can drive or mislead a terminal: C0 and C1 controls other than newline and tab
# (ESC, and U+009B, a CSI of its own in many terminals), and the bidi overrides and isolates that
# reorder what is shown (U+202A-202E, U+2066-2069); also any ANSI sequence ESC starts.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(rf"\x1b\[[0-?]*[ -/]*[@-~]|[{_CONTROLS}]")
_UNSAFE_IN_JSON = re.compile(rf"[{_CONTROLS}]")


def safe(text: str) -> str:
    """Text with escape sequences, control characters and bidi overrides removed, fit for a terminal."""
    return _UNSAFE.sub("", text)


def safe_json(data: object) -> str:
    """``data`` as JSON whose text holds no raw control or bidi character: they are escaped as
    ``\\uXXXX``, so a terminal shows them as text and a JSON reader gets the exact string back."""
    text = json.dumps(data, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def _style(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def format_answer(answer: Answer, colour: bool = False) -> str:
    """Each quote on a ``>`` line marked [n], then the citations; a plain decline when not found."""
    lines = [] if answer.found else [_style(DECLINED, "33", colour)]
    if answer.low_confidence:
        lines.append(_style(LOW_CONFIDENCE, "33", colour))
    if answer.agreement is not None:
        lines.append(_style(safe(describe(answer.agreement)), "32" if answer.agreement.kind == "agree" else "35", colour))
    for n, quote in enumerate(answer.quotes, 1):
        mark = _style(f"[{n}]", "36", colour)
        lines.append(f"> {marked(quote, colour)} {mark}")
    if answer.quotes:
        lines.append("")
        lines.extend(_style(f"[{n}] {safe(q.citation)}", "2", colour) for n, q in enumerate(answer.quotes, 1))
    return "\n".join(lines)


def marked(quote: Quote, colour: bool = False) -> str:
    """The quote's text with the reader's answer in bold on a terminal, else between ``**``."""
    if quote.answer_start is None or quote.answer_end is None:
        return safe(quote.text)
    a, b = quote.answer_start - quote.start, quote.answer_end - quote.start
    answer = safe(quote.text[a:b])
    answer = _style(answer, "1", True) if colour else f"**{answer}**"
    return safe(quote.text[:a]) + answer + safe(quote.text[b:])


def quote_json(quote: Quote) -> dict[str, object]:
    return {
        "text": quote.text,
        "doc_id": quote.doc_id,
        "title": quote.title,
        "outlet": quote.outlet,
        "paragraph": quote.paragraph,
        "start": quote.start,
        "end": quote.end,
        "score": round(quote.score, 6),
        "citation": quote.citation,
        "answer": quote.text[quote.answer_start - quote.start : quote.answer_end - quote.start] if quote.answer_start is not None else None,
        "answer_start": quote.answer_start,
        "answer_end": quote.answer_end,
        "date": quote.date or None,
    }


def agreement_dict(agreement: Agreement | None) -> dict[str, object]:
    """``agreement``: "agree", "differ" or None; ``agreement_line``: the line the terminal shows;
    ``agreement_values``: each value with how each source states it (text, document offsets, and
    the index of its quote in ``quotes``)."""
    if agreement is None:
        return {"agreement": None, "agreement_line": None, "agreement_values": []}
    return {
        "agreement": agreement.kind,
        "agreement_line": describe(agreement),
        "agreement_values": [
            [{"quote": s.quote, "source": s.source, "text": s.text, "start": s.start, "end": s.end} for s in statements]
            for statements in agreement.values
        ],
    }


def answer_dict(answer: Answer) -> dict[str, object]:
    """The answer as plain JSON data: what ``--json`` prints and ``POST /api/ask`` returns."""
    return {
        "question": answer.question,
        "found": answer.found,
        "confidence": round(answer.confidence, 6),
        "low_confidence": answer.low_confidence,
        "quotes": [quote_json(q) for q in answer.quotes],
        **agreement_dict(answer.agreement),
        **({"note": answer.note} if answer.note else {}),
    }


def answer_json(answer: Answer) -> str:
    return safe_json(answer_dict(answer))


def warn(message: str) -> None:
    print(f"askdefector: warning: {safe(message)}", file=sys.stderr)
