"""Calibrate the reader on half of a SQuAD 2.0 file's articles; the other half is for reporting.

    python benchmarks/calibrate_reader.py ../shared/bench/squad-v2.0-dev-a.json [--reader DIR]

(benchmarks/train_reader.py runs this as its last step.) The engine asks every question of the
file against all of its paragraphs (the open setting). On the calibration half (``split``: the
articles in alphabetical order, every other one), the first quote's raw reader logit is fitted to
"the first quote answers" by Platt scaling (unanswerable questions: never), and the decline
threshold is the highest calibrated probability that keeps nine in ten of the right first quotes
answered (``KEEP``; the rule the answer check used before). It replaced "most answerable
questions answered right plus unanswerable declined" after that rule's threshold was seen to
decline most of tests/gold.py's questions (README, "The reader").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import askdefector  # noqa: E402
from askdefector import reader as reading  # noqa: E402

KEEP = 0.9  # the decline threshold keeps this share of the right first quotes answered


def split(path: Path) -> tuple[list[str], list[str]]:
    """(calibration, report) article titles of a SQuAD file: alphabetical, alternating."""
    titles = sorted(a["title"] for a in json.loads(path.read_text("utf-8"))["data"])
    return titles[0::2], titles[1::2]


def open_squad(path: Path, cache: Path):
    """A knowledge base over every paragraph of the file, and its questions."""
    from squad import load_squad

    documents, questions = load_squad(path)
    return askdefector.KnowledgeBase.from_documents(documents, cache_dir=cache), questions


def raw_answers(kb, questions, reader: reading.Reader):
    """Per question: the reader's raw logit of the first quote, and whether that quote is right."""
    from squad import contains_answer

    plain = reading.Reader(reader.folder, {**reader.meta, "calibration": {"scale": 1.0, "shift": 0.0}, "threshold": 0.0})
    kb.reader = plain
    logits, right = [], []
    for question, _, answers in questions:
        a = kb.ask(question)
        p = min(max(a.confidence, 1e-12), 1 - 1e-12)
        logits.append(np.log(p / (1 - p)))
        right.append(bool(answers) and bool(a.quotes) and contains_answer(a.quotes[0].text, answers))
    kb.reader = reader
    return np.array(logits), np.array(right)


def platt(logits: np.ndarray, labels: np.ndarray, steps: int = 100) -> tuple[float, float]:
    """(scale, shift) of the logistic regression of ``labels`` on ``logits``: Newton's method,
    each step halved until the log-loss falls (a plain Newton step can overshoot and diverge)."""
    x = np.stack([logits, np.ones_like(logits)], axis=1)

    def loss(w):
        z = x @ w
        return float(np.mean(np.logaddexp(0, z) - labels * z))

    w = np.array([1.0, 0.0])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - labels) / len(labels)
        hessian = (x * (p * (1 - p))[:, None]).T @ x / len(labels) + 1e-6 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        rate = 1.0
        while rate > 1e-4 and loss(w - rate * step) > loss(w):
            rate /= 2
        if rate <= 1e-4:
            break
        w = w - rate * step
    return float(w[0]), float(w[1])


def keeps_most(probability: np.ndarray, right: np.ndarray, keep: float = KEEP) -> float:
    """The highest threshold that keeps ``keep`` of the right first quotes answered: declining
    is worth little if it costs many right answers."""
    return float(np.quantile(probability[right], 1 - keep))


def calibrate(reader: reading.Reader, path: Path, cache: Path | None = None) -> dict:
    """The calibration and threshold fitted on ``path``'s calibration half, and its figures there."""
    calibration_titles, _ = split(path)
    with tempfile.TemporaryDirectory() as tmp:
        kb, questions = open_squad(path, cache or Path(tmp))
        chosen = [q for q in questions if q[1].rsplit("#", 1)[0] in calibration_titles]
        logits, right = raw_answers(kb, chosen, reader)
    answerable = np.array([bool(answers) for _, _, answers in chosen])
    scale, shift = platt(logits, right.astype(float))
    probability = 1 / (1 + np.exp(-np.clip(scale * logits + shift, -30, 30)))
    threshold = keeps_most(probability, right)
    found = probability >= threshold
    from squad import auroc

    return {
        "calibration": {"scale": scale, "shift": shift},
        "threshold": threshold,
        "calibrated": {
            "file": path.name,
            "articles": calibration_titles,
            "questions": len(chosen),
            "answerable_right": float((found & right)[answerable].mean()),
            "unanswerable_declined": float((~found)[~answerable].mean()),
            "auroc": auroc(probability, answerable),
        },
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("squad", type=Path)
    parser.add_argument("--reader", type=Path, default=reading.FOLDER)
    parser.add_argument("--cache", type=Path, help="keep the file's embeddings here between runs")
    parser.add_argument("--write", action="store_true", help="record the calibration in the reader's reader.json")
    args = parser.parse_args(argv)
    fitted = calibrate(reading.Reader(args.reader), args.squad, args.cache)
    print(json.dumps(fitted, indent=1))
    if args.write:
        meta_path = args.reader / reading.META
        meta = {**json.loads(meta_path.read_text("utf-8")), **fitted}
        tmp = meta_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(meta, indent=1))
        os.replace(tmp, meta_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
