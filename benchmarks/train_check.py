"""Train the answer check (src/askdefector/check.json) on SQuAD 2.0, and report it honestly.

    python benchmarks/train_check.py ../shared/bench/squad-v2.0-dev-a.json [--write]

Every paragraph becomes a document and every question is asked of all of them (the open setting
of benchmarks/squad.py). Each candidate sentence the engine offers is a training row labelled by
whether its quote holds one of the question's answers (unanswerable questions: none does).
Gradient-boosted trees (LightGBM, settings fixed below, seed 0) are trained leaving one article
out at a time; every figure printed comes from the article the model did not see. The calibration
(Platt scaling of the first candidate's score into "probability the first quote is right") and
the decline threshold (the highest that keeps nine in ten right first quotes) are fitted on those
held-out predictions. With ``--write`` a model trained
on all articles is saved as plain JSON arrays, with these figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import askdefector  # noqa: E402
from askdefector import check  # noqa: E402
from squad import auroc, contains_answer, load_squad, rates, tradeoff  # noqa: E402

SEED = 0
PARAMS = {  # fixed before the first run, not searched
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "max_depth": 5,
    "min_child_samples": 40,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "n_estimators": 300,
    "random_state": SEED,
    "verbose": -1,
    "n_jobs": 2,
}


def collect(kb, questions):
    """Per question: its article, whether answerable, candidate features and labels, and what
    today's engine (stage 5 alone) answers."""
    rows = []
    checker, kb.checker = kb.checker, None
    try:
        for question, doc_id, answers in questions:
            quotes, x = kb.candidates(question)
            texts = [q.text for q in quotes]
            labels = np.array([contains_answer(t, answers) for t in texts], dtype=bool)
            today = kb.ask(question)
            today_right = bool(today.quotes) and contains_answer(today.quotes[0].text, answers)
            rows.append(
                {
                    "article": doc_id.rsplit("#", 1)[0],
                    "question": question,
                    "texts": texts,
                    "answerable": bool(answers),
                    "x": x,
                    "y": labels,
                    "today": (today.found, today_right, today.confidence),
                }
            )
    finally:
        kb.checker = checker
    return rows


def fit_model(rows):
    import lightgbm

    x = np.concatenate([r["x"] for r in rows])
    y = np.concatenate([r["y"] for r in rows])
    return lightgbm.LGBMClassifier(**PARAMS).fit(x, y)


def held_out(rows):
    """Leave one article out: for every question, the raw scores of its candidates from the
    model that did not see its article."""
    articles = sorted({r["article"] for r in rows})
    raw = [None] * len(rows)
    for article in articles:
        model = fit_model([r for r in rows if r["article"] != article])
        for i, r in enumerate(rows):
            if r["article"] == article and len(r["x"]):
                raw[i] = model.predict(r["x"], raw_score=True)
    return raw


def outcomes(rows, raw):
    """Per question: the first candidate's raw score and whether the first quote is right."""
    top, right = [], []
    for r, s in zip(rows, raw):
        if s is None:
            top.append(-np.inf)
            right.append(False)
        else:
            best = int(np.argmax(s))
            top.append(float(s[best]))
            right.append(bool(r["y"][best]))
    return np.array(top), np.array(right)


def default_figures(rows, raw, scale, shift, threshold, today_found):
    """The check as the default engine uses it, on held-out articles: stage 5 answers, and the
    calibrated probability of stage 5's first candidate (row 0) is the confidence. How well it
    separates answerable from unanswerable questions, how well its probabilities match how often
    the first quote is right, and which answers it marks low confidence."""
    p = np.array([1 / (1 + np.exp(-(scale * s[0] + shift))) if s is not None and len(s) else 0.0 for s in raw])
    right = np.array([bool(len(r["y"])) and bool(r["y"][0]) for r in rows])
    answerable = np.array([r["answerable"] for r in rows])
    low = today_found & (p < threshold)
    edges = np.linspace(0, 1, 6)
    bins = np.clip(np.digitize(p, edges[1:-1]), 0, 4)
    calibration = [
        {"from": float(edges[b]), "to": float(edges[b + 1]), "questions": int((bins == b).sum()),
         "mean_probability": float(p[bins == b].mean()), "first_quote_right": float(right[bins == b].mean())}
        for b in range(5) if (bins == b).any()
    ]
    return {
        "auroc": auroc(p, answerable),
        "brier": float(np.mean((p - right) ** 2)),
        "calibration": calibration,
        "low_confidence_of_wrong_answers": float(low[today_found & ~right].mean()),
        "low_confidence_of_right_answers": float(low[today_found & right].mean()),
    }


def platt(score, label):
    """Scale and shift mapping a raw score to a calibrated probability (logistic regression)."""
    from sklearn.linear_model import LogisticRegression

    finite = np.isfinite(score)
    fit = LogisticRegression(C=1e6).fit(score[finite, None], label[finite])
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


KEEP = 0.9  # the threshold may cost at most a tenth of the right first quotes


def choose_threshold(confidence, right, answerable) -> float:
    """The highest threshold that still answers ``KEEP`` of the answerable questions whose first
    quote is right: declining a right answer costs the reader more than quoting a wrong one helps."""
    target = KEEP * float(right[answerable].mean())
    curve = tradeoff(confidence, right, answerable, 401)
    return max(t for t, answered, _ in curve if answered >= target)


def flatten(tree) -> tuple[dict, int]:
    """One LightGBM tree (its JSON dump) as flat arrays, a leaf marked by feature -1, and its depth."""
    nodes = {"feature": [], "threshold": [], "left": [], "right": [], "value": []}
    depth = 0

    def visit(node, level):
        nonlocal depth
        i = len(nodes["feature"])
        for key in nodes:
            nodes[key].append(0)
        if "leaf_value" in node:
            nodes["feature"][i], nodes["value"][i] = -1, node["leaf_value"]
            depth = max(depth, level)
            return i
        assert node["decision_type"] == "<=", node["decision_type"]
        nodes["feature"][i], nodes["threshold"][i] = node["split_feature"], node["threshold"]
        nodes["left"][i] = visit(node["left_child"], level + 1)
        nodes["right"][i] = visit(node["right_child"], level + 1)
        return i

    visit(tree["tree_structure"], 0)
    return nodes, depth


def export(model, calibration, threshold, info) -> dict:
    """The booster as plain data for ``check.Checker``; the caller checks it against LightGBM."""
    flat = [flatten(tree) for tree in model.booster_.dump_model()["tree_info"]]
    return {
        "format": check.FORMAT,
        "features": list(check.FEATURES),
        "depth": max(d for _, d in flat),
        "calibration": list(calibration),
        "decline_below": threshold,
        "training": info,
        "trees": [nodes for nodes, _ in flat],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="a SQuAD v2.0 JSON file")
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache")
    parser.add_argument("--model", default=askdefector.DEFAULT_MODEL, help="the embedding model the check reads the cosines of")
    parser.add_argument("--write", action="store_true", help=f"save the model to {check.MODEL_FILE}")
    args = parser.parse_args(argv)
    if args.write and askdefector.embeddings.make_embedder(args.model).model_id != check.MODEL_ID:
        parser.error(f"--write: the shipped check reads the cosines of {check.MODEL_ID}; train others without --write")

    t0 = time.perf_counter()
    documents, questions = load_squad(args.path)
    kb = askdefector.KnowledgeBase.from_documents(documents, cache_dir=args.cache / args.path.stem, model=args.model)
    rows = collect(kb, questions)
    t1 = time.perf_counter()
    answerable = np.array([r["answerable"] for r in rows])
    raw = held_out(rows)
    top, right = outcomes(rows, raw)
    scale, shift = platt(top, right)
    confidence = 1 / (1 + np.exp(-(scale * top + shift)))
    threshold = choose_threshold(confidence, right, answerable)
    answered, declined = rates(confidence >= threshold, right, answerable)
    today_found = np.array([r["today"][0] for r in rows])
    today_right = np.array([r["today"][1] for r in rows])
    today_conf = np.array([r["today"][2] for r in rows])
    t_answered, t_declined = rates(today_found, today_right, answerable)
    by_article = defaultdict(list)
    for r, c, ok in zip(rows, confidence, right):
        by_article[r["article"]].append((r["answerable"], c >= threshold, ok))
    figures = {
        "file": args.path.name,
        "sha256": hashlib.sha256(args.path.read_bytes()).hexdigest(),
        "questions": len(rows),
        "unanswerable": int((~answerable).sum()),
        "articles": sorted(by_article),
        "candidates": int(sum(len(r["y"]) for r in rows)),
        "params": PARAMS,
        "held_out": {
            "answerable_right": answered,
            "unanswerable_declined": declined,
            "auroc": auroc(confidence, answerable),
            "first_quote_right_when_answerable": float(right[answerable].mean()),
            "curve": tradeoff(confidence, right, answerable),
            "declined_keeping_0.75_answered": max(d for _, a, d in tradeoff(confidence, right, answerable, 401) if a >= 0.75),
        },
        "today": {"answerable_right": t_answered, "unanswerable_declined": t_declined, "auroc": auroc(today_conf, answerable)},
        "default_held_out": default_figures(rows, raw, scale, shift, threshold, today_found),
    }
    shown = {k: v for k, v in figures.items() if k not in ("params", "articles")}
    shown["held_out"] = {k: v for k, v in figures["held_out"].items() if k != "curve"}
    shown["default_held_out"] = {k: v for k, v in figures["default_held_out"].items() if k != "calibration"}
    print(json.dumps(shown, indent=2))
    print("default engine, held out: calibration of the confidence (probability bin: questions, mean probability, first quote right)")
    for b in figures["default_held_out"]["calibration"]:
        print(f"  {b['from']:.1f}-{b['to']:.1f}: {b['questions']:>5} {b['mean_probability']:.3f} {b['first_quote_right']:.3f}")
    for article, outcome in sorted(by_article.items()):
        o = np.array(outcome, dtype=bool)
        a, d = o[o[:, 0]], o[~o[:, 0]]
        print(f"  {article:<24} answerable right {np.mean(a[:, 1] & a[:, 2]):.3f}  unanswerable declined {np.mean(~d[:, 1]):.3f}")
    print(f"features {t1 - t0:.0f} s, training {time.perf_counter() - t1:.0f} s")
    if args.write:
        model = fit_model(rows)
        saved = export(model, (scale, shift), threshold, figures)
        sample = np.concatenate([r["x"] for r in rows[:200]])
        ours = check.Checker(saved).raw(sample)
        theirs = model.predict(sample, raw_score=True)
        assert np.allclose(ours, theirs, atol=1e-6), float(np.abs(ours - theirs).max())
        tmp = check.MODEL_FILE.with_suffix(".tmp")
        tmp.write_text(json.dumps(saved, separators=(",", ":")) + "\n", encoding="utf-8")
        tmp.replace(check.MODEL_FILE)
        print(f"wrote {check.MODEL_FILE} ({check.MODEL_FILE.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
