"""Follow-ups in a chat: each question asked after the one before it, and whether its first quote
holds the expected text, for follow-ups that need the question before ("ellipsis") and for whole
questions on another point ("new"); each also asked alone, for comparison.

    python benchmarks/followups.py          # the development set (benchmarks/followups_dev.py): choose here
    python benchmarks/followups.py --gold   # the committed set (tests/gold_followups.py): report
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

import askdefector  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", action="store_true", help="the committed set instead of the development set")
    args = parser.parse_args(argv)
    if args.gold:
        from gold_followups import CORPUS_FOLLOWUPS, SOURCES_FOLLOWUPS

        sets = [(HERE.parent / "corpus", CORPUS_FOLLOWUPS), (HERE.parent / "tests" / "sources", SOURCES_FOLLOWUPS)]
    else:
        from followups_dev import DEV_FOLLOWUPS

        sets = [(HERE / "sources_dev", DEV_FOLLOWUPS)]
    right = {"ellipsis": [0, 0, 0], "new": [0, 0, 0]}  # followed up, alone, asked
    with tempfile.TemporaryDirectory() as cache:
        for folder, followups in sets:
            kb = askdefector.open(folder, cache_dir=Path(cache) / folder.name)
            for before, question, kind, expected in followups:
                answer = kb.ask(question, history=[before])
                ok = answer.found and expected in answer.quotes[0].text
                alone = kb.ask(question)
                right[kind][0] += ok
                right[kind][1] += alone.found and expected in alone.quotes[0].text
                right[kind][2] += 1
                first = answer.quotes[0].text[:90] if answer.quotes else "(nothing)"
                print(f"{'ok  ' if ok else 'MISS'} {kind:8} {before} -> {question}\n       {first}")
    figures = {kind: {"right": round(r[0] / r[2], 3), "right_alone": round(r[1] / r[2], 3), "questions": r[2]} for kind, r in right.items()}
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
