"""Stage 1b: the article out of a saved web page, and plain text out of Markdown.

trafilatura finds the body and the metadata of a page; what it keeps of the page's furniture
(teasers, "click here" lines, newsletter and cookie notices, copyright lines, the headline again,
a section name above the article) is removed here by name, and a page that yields almost no
article is said to. Every removed line is reported, so the ingestion benchmark can show it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

# A paragraph that is furniture, not article. Each pattern is anchored or specific enough that a
# sentence of news prose does not match it (benchmarks/ingest.py prints every removal).
FURNITURE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(more|read more|related|see also|also read|watch|watch more|recommended|top stories)\s*[:|>»]",
        r"\bclick here\b",
        r"\b(sign up|subscribe)\b.{0,80}\b(newsletter|inbox|e-?mails?|updates)\b",
        r"^(get|join) (our|the) .{0,40}newsletter",
        r"\boriginally (appeared|published) (on|in|at)\b",
        r"^(©|\(c\)|copyright\b)",
        r"\ball rights reserved\b",
        r"^our standards:",
        r"\b(we|this (web)?site) uses? cookies\b|\bnous utilisons des cookies\b|\bwir verwenden cookies\b",
        r"^#\w+$",  # a hashtag alone
        r"^submit your letter to the editor\b",
        r"^(share|share this|share on|follow us|advertisement|sponsored)\b.{0,40}$",
        r"^sign up\b|\bsign up$|\bnewsletter$",  # "PC Gamer Newsletter", "... Free Sign Up"
        r"^\|.*\|$|^[|:\-\s]+$",  # rows of a layout table: "| Machine-learning venues |", "|---|"
    )
]
# A heading that starts the page's trailer: it and everything after it are not the article.
TRAILER = re.compile(
    r"^(editors[’'] (recommendations|picks)|related (articles|stories|posts|coverage)|recommended( for you| stories)?"
    r"|more (from|stories|on this)|read next|you (may|might) also like|want to know more about)\b",
    re.IGNORECASE,
)
DATELINE = re.compile(r"^[A-Z][A-Z .,'’-]{1,40}\s*(—|–|--|-)\s*$")  # "WASHINGTON —" alone
SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{1,40}$")  # "Headline | DW", "Headline - Stack Overflow"
DATE_TAIL = re.compile(r"\s+[|–—-]\s+[\d./ -]{6,12}")
CMS_NAMES = {"escenic", "wordpress", "drupal", "joomla", "arc publishing", "untitled", "home", "index"}
SHORT_ARTICLE = 400  # characters: less than this is probably not the article


@dataclass
class Extraction:
    """What a page gave: the fields of a Document, and what was removed or is doubtful."""

    title: str
    text: str
    outlet: str = ""
    authors: str = ""
    date: str = ""
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def html_article(data: bytes) -> Extraction | None:
    """The article of a saved page (bytes: the page's own charset is honoured), or None when
    trafilatura finds no article text."""
    import trafilatura

    found = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False)
    if found is None or not (found.text or "").strip():
        return None
    page = _page_titles(data)
    outlet = (found.sitename or "").strip()
    title = _clean_title((found.title or "").strip(), outlet, page)
    removed: list[str] = []
    paragraphs = [line.strip() for line in found.text.splitlines() if line.strip()]
    kept = []
    for n, line in enumerate(paragraphs):
        if kept and TRAILER.match(line):
            removed.extend(paragraphs[n:])
            break
        if _same(line, title) or any(_same(line, t) for t in page) or _is_furniture(line, not kept, len(paragraphs)):
            removed.append(line)
        elif kept and DATELINE.match(kept[-1]):
            kept[-1] = f"{kept[-1]} {line}"  # "WASHINGTON —" belongs to the paragraph it opens
        else:
            kept.append(line)
    text = "\n\n".join(kept)
    warnings = []
    if not text:
        return None
    if len(text) < SHORT_ARTICLE:
        warnings.append(f"only {len(text)} characters of article text found: the page may not hold the article")
    return Extraction(title, text, outlet, found.author or "", (found.date or "").strip(), removed, warnings)


def _is_furniture(line: str, first: bool, count: int) -> bool:
    if any(p.search(line) for p in FURNITURE) and len(line) < 300:
        return True
    # a section name or tag above the article ("Tech"): one short word, before any text
    return first and count > 1 and len(line) <= 20 and len(line.split()) == 1


def _same(a: str, b: str) -> bool:
    return bool(b) and a.casefold().strip(" .") == b.casefold().strip(" .")


def _clean_title(title: str, outlet: str, page: list[str]) -> str:
    """The headline: without a trailing " | Site", never the site's or the CMS's name."""
    bad = {outlet.casefold(), *CMS_NAMES}
    for candidate in [title, *page]:
        if not candidate:
            continue
        for _ in range(3):  # "Headline | DW | 10.06.2013": a date or the site's name, from the end
            suffix = SITE_SUFFIX.search(candidate)
            if not (suffix and len(candidate) - len(suffix.group()) >= 15):
                break
            if not (_names_site(suffix.group(), outlet) or DATE_TAIL.fullmatch(suffix.group())):
                break
            candidate = candidate[: suffix.start()].strip()
        if candidate.casefold() not in bad and len(candidate) > 3:
            return candidate
    return title


def _names_site(suffix: str, outlet: str) -> bool:
    """Whether a title's tail (" | DW") names the site ("DW.COM"), not more of the headline."""
    tail = re.sub(r"\W+", "", suffix).casefold()
    site = re.sub(r"\W+", "", outlet).casefold()
    return bool(tail and site) and (tail in site or site in tail)


def _page_titles(data: bytes) -> list[str]:
    """Headlines the page declares: og:title, JSON-LD headline, the first <h1>."""
    from lxml import html

    try:
        tree = html.fromstring(data)
    except (ValueError, TypeError, SyntaxError):
        return []
    titles = [str(v).strip() for v in tree.xpath("//meta[@property='og:title']/@content")[:1]]
    for script in tree.xpath("//script[@type='application/ld+json']/text()")[:5]:
        try:
            blob = json.loads(script)
        except ValueError:
            continue
        for item in blob if isinstance(blob, list) else [blob]:
            if isinstance(item, dict) and isinstance(item.get("headline"), str):
                titles.append(item["headline"].strip())
    titles += [" ".join(h.text_content().split()) for h in tree.xpath("//h1")[:1]]
    return [t for t in dict.fromkeys(titles) if t]


def markdown_text(body: str) -> str:
    """Markdown as the text a reader sees: headings, emphasis, links and code marks removed,
    one paragraph (or heading, list item, quote) per block, blocks separated by a blank line."""
    from markdown_it import MarkdownIt

    blocks = []
    for token in MarkdownIt("commonmark").parse(body):
        if token.type == "inline":
            text = "".join(_inline_text(child) for child in token.children or [])
            if text.strip():
                blocks.append(text.strip())
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(token.content.strip())
    return "\n\n".join(blocks)


def _inline_text(token) -> str:
    """What an inline token shows as text: none for images and emphasis or link marks."""
    if token.type in ("text", "code_inline"):
        return token.content
    return {"softbreak": " ", "hardbreak": "\n"}.get(token.type, "")
