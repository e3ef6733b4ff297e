"""Ingestion of real saved web pages: what askdefector makes of each, and answers about them.

    python benchmarks/ingest.py [../shared/realnews] [--cache DIR]

For each page: the title, outlet and date found, the article's length against the page's visible
text, the furniture removed and any note (a page that gave almost no article). Then the questions
of benchmarks/realnews_questions.py (written before they were run) are asked of all the pages at
once: the first quote must come from the right page and hold the expected text; the questions the
pages don't answer should be declined; and no quote may hold page furniture.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import askdefector  # noqa: E402
from askdefector.corpus import read_document  # noqa: E402
from askdefector.extract import html_article  # noqa: E402
from realnews_questions import ANSWERABLE, FURNITURE, UNANSWERED  # noqa: E402


def visible_chars(data: bytes) -> int:
    """Characters of text a browser would show (scripts and styles left out), spaces folded."""
    from lxml import html

    tree = html.fromstring(data)
    for node in tree.xpath("//script|//style|//noscript|//template"):
        node.drop_tree()
    return len(" ".join(tree.text_content().split()))


def pages(folder: Path) -> None:
    print(f"{'page':34} {'title':42} {'outlet':18} {'date':10} {'article':>7} {'page':>7} {'share':>5}")
    for path in sorted(folder.glob("*.htm*")):
        data = path.read_bytes()
        notes: list[str] = []
        doc = read_document(path, path.name, notes=notes)
        found = html_article(data)
        page = visible_chars(data)
        print(f"{path.name[:34]:34} {doc.title[:42]:42} {doc.outlet[:18]:18} {doc.date[:10]:10} "
              f"{len(doc.text):7d} {page:7d} {len(doc.text) / page:5.2f}")
        for line in found.removed if found else []:
            print(f"    removed: {line[:100]}")
        for note in notes:
            print(f"    note: {note}")


def questions(folder: Path, cache: Path) -> None:
    kb = askdefector.open(folder, cache_dir=cache)
    right = from_page = 0
    furniture_hits = []
    print()
    for page, question, expected in ANSWERABLE:
        answer = kb.ask(question)
        first = answer.quotes[0] if answer.quotes else None
        ok = answer.found and first is not None and expected in first.text
        right += ok
        from_page += first is not None and first.doc_id == page
        furniture_hits += [(question, q.text) for q in answer.quotes if any(f in q.text for f in FURNITURE)]
        mark = "ok " if ok else ("DECLINED" if not answer.found else "wrong")
        shown = first.text[:90] if first else ""
        print(f"{mark:8} {question[:60]:60} <- {first.doc_id[:24] if first else '':24} {shown!r}")
    declined = 0
    for question in UNANSWERED:
        answer = kb.ask(question)
        declined += not answer.found
        furniture_hits += [(question, q.text) for q in answer.quotes if any(f in q.text for f in FURNITURE)]
        shown = answer.quotes[0].text[:90] if answer.quotes else ""
        print(f"{'declined' if not answer.found else 'ANSWERED':8} {question[:60]:60} {answer.confidence:.2f} {shown!r}")
    print()
    print(f"answerable: {right}/{len(ANSWERABLE)} first quote right, {from_page}/{len(ANSWERABLE)} from the right page")
    print(f"unanswered: {declined}/{len(UNANSWERED)} declined")
    print(f"quotes holding page furniture: {len(furniture_hits)}")
    for question, text in furniture_hits:
        print(f"    {question[:50]!r}: {text[:100]!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT.parent / "shared" / "realnews")
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache" / "realnews")
    args = parser.parse_args()
    pages(args.folder)
    questions(args.folder, args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
