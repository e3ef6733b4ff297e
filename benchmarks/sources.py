"""Sources side by side, question by question: the line each answer shows and whether it says
what the articles say (agree, differ, or one source). On the committed set, also whether the
outlets the answer names are among those its note says state the answer (a right label from the
wrong sentences is no right answer).

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
from askdefector.compare import describe, source_name  # noqa: E402


def labelled(answer: askdefector.Answer) -> str:
    """What the answer says of its sources: "agree", "differ", "one" (one source), or "declined"."""
    if not answer.found:
        return "declined"
    return answer.agreement.kind if answer.agreement is not None else "one"


def named(answer: askdefector.Answer) -> list[str]:
    """The outlets an answer cites for its answer: those on its line, else its first quote's."""
    if answer.agreement is not None:
        return [s.source for statements in answer.agreement.values for s in statements]
    return [source_name(answer.quotes[0])] if answer.found else []


def stated_by(outlet: str, note: str) -> bool:
    """Whether a gold note ("212: Harbor Gazette, Coastal Wire; 230: Nordic Radio") names ``outlet``."""
    return "every outlet" in note or outlet.removeprefix("The ") in note


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", action="store_true", help="the committed set instead of the development set")
    args = parser.parse_args(argv)
    if args.gold:
        from gold_sources import SOURCE_QUESTIONS

        folder, questions = HERE.parent / "tests" / "sources", SOURCE_QUESTIONS
    else:
        from sources_dev import DEV_QUESTIONS

        folder, questions = HERE / "sources_dev", [(q, label, None) for q, label in DEV_QUESTIONS]
    right = agreed_wrongly = agreed_alone = cited_right = 0
    with tempfile.TemporaryDirectory() as cache:
        kb = askdefector.open(folder, cache_dir=cache)
        for question, label, note in questions:
            answer = kb.ask(question)
            got = labelled(answer)
            right += got == label
            agreed_wrongly += label == "differ" and got == "agree"
            agreed_alone += label == "one" and got == "agree"
            cited = note is not None and got == label and all(stated_by(outlet, note) for outlet in named(answer))
            cited_right += cited
            line = describe(answer.agreement) if answer.agreement else (answer.quotes[0].citation if answer.quotes else "")
            mark = "ok  " if got == label and (note is None or cited) else "CITE" if got == label else "MISS"
            print(f"{mark} {label:6} {got:8} {question}\n       {line}")
    figures = {"set": folder.name, "questions": len(questions), "labelled_right": round(right / len(questions), 3),
               "agree_shown_where_sources_differ": agreed_wrongly, "agree_shown_where_one_source_states_it": agreed_alone}
    if args.gold:
        figures["labelled_right_from_outlets_that_state_it"] = round(cited_right / len(questions), 3)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
