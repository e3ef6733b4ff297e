"""Sources side by side, question by question: the line each answer shows and whether it says
what the articles say (agree, differ, or one source).

    python benchmarks/sources.py          # the development set (benchmarks/sources_dev/): choose here
    python benchmarks/sources.py --gold   # the committed set (tests/sources/, tests/gold_sources.py): report
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
from askdefector.compare import describe  # noqa: E402


def labelled(answer: askdefector.Answer) -> str:
    """What the answer says of its sources: "agree", "differ", "one" (one source), or "declined"."""
    if not answer.found:
        return "declined"
    return answer.agreement.kind if answer.agreement is not None else "one"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", action="store_true", help="the committed set instead of the development set")
    args = parser.parse_args(argv)
    if args.gold:
        from gold_sources import SOURCE_QUESTIONS

        folder, questions = HERE.parent / "tests" / "sources", [(q, label) for q, label, _ in SOURCE_QUESTIONS]
    else:
        from sources_dev import DEV_QUESTIONS

        folder, questions = HERE / "sources_dev", DEV_QUESTIONS
    right = agreed_wrongly = 0
    with tempfile.TemporaryDirectory() as cache:
        kb = askdefector.open(folder, cache_dir=cache)
        for question, label in questions:
            answer = kb.ask(question)
            got = labelled(answer)
            right += got == label
            agreed_wrongly += label == "differ" and got == "agree"
            line = describe(answer.agreement) if answer.agreement else (answer.quotes[0].citation if answer.quotes else "")
            print(f"{'ok  ' if got == label else 'MISS'} {label:6} {got:8} {question}\n       {line}")
    print(json.dumps({"set": folder.name, "questions": len(questions), "labelled_right": round(right / len(questions), 3),
                      "agree_shown_where_sources_differ": agreed_wrongly}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
