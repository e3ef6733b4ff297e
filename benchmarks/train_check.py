"""Train the answer check (src/askdefector/check.json) on SQuAD 2.0, and report it honestly.

    python benchmarks/train_check.py ../shared/bench/squad-v2.0-dev-a.json [--write]

Every paragraph becomes a document and every question is asked of all of them (the open setting
of benchmarks/squad.py). Each candidate sentence the engine offers is a training row labelled by
whether its quote holds one of the question's answers (unanswerable questions: none does).
Gradient-boosted trees (LightGBM, settings fixed below, seed 0) are trained leaving one article
out at a time; every figure printed comes from the article the model did not see. Two models are
trained from the same rows (``VARIANTS``): ``confidence``, the probability that stage 5's first
quote is right, without the soft word match; and ``decides``, over all features, which orders the
quotes and declines. For each, the calibration (Platt scaling of the judged candidate's score into
"probability the first quote is right") and the threshold (the highest that keeps nine in ten
right first quotes) are fitted on the held-out predictions. With ``--write`` both models, trained
on all articles, are saved as plain JSON arrays with these figures.
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
from askdefector import align, check  # noqa: E402
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


# The two models of check.json: the columns each reads, and which candidate its probability is of.
# "confidence" judges stage 5's first candidate (row 0) and leaves out the soft word match, whose
# token pass would triple kb.ask's time; "decides" reads every column and judges the candidate it
# ranks first.
VARIANTS = {
    "confidence": ([i for i, name in enumerate(check.FEATURES) if name not in align.FEATURES], "first"),
    "decides": (list(range(len(check.FEATURES))), "best"),
}


def fit_model(rows, columns):
    import lightgbm

    x = np.concatenate([r["x"][:, columns] for r in rows])
    y = np.concatenate([r["y"] for r in rows])
    return lightgbm.LGBMClassifier(**PARAMS).fit(x, y)


def held_out(rows, columns):
    """Leave one article out: for every question, the raw scores of its candidates from the
    model that did not see its article."""
    articles = sorted({r["article"] for r in rows})
    raw = [None] * len(rows)
    for article in articles:
        model = fit_model([r for r in rows if r["article"] != article], columns)
        for i, r in enumerate(rows):
            if r["article"] == article and len(r["x"]):
                raw[i] = model.predict(r["x"][:, columns], raw_score=True)
    return raw


def outcomes(rows, raw, judged):
    """Per question: the judged candidate's raw score (the best one, or stage 5's first) and
    whether the first quote is then right."""
    top, right = [], []
    for r, s in zip(rows, raw):
        if s is None:
            top.append(-np.inf)
            right.append(False)
        else:
            pick = int(np.argmax(s)) if judged == "best" else 0
            top.append(float(s[pick]))
            right.append(bool(r["y"][pick]))
    return np.array(top), np.array(right)


def calibration_table(p, right):
    """Per fifth of the probability range: how many questions, their mean probability and how
    often their first quote is right."""
    edges = np.linspace(0, 1, 6)
    bins = np.clip(np.digitize(p, edges[1:-1]), 0, 4)
    return [
        {"from": float(edges[b]), "to": float(edges[b + 1]), "questions": int((bins == b).sum()),
         "mean_probability": float(p[bins == b].mean()), "first_quote_right": float(right[bins == b].mean())}
        for b in range(5) if (bins == b).any()
    ]


def evaluate(rows, raw, judged, today_found):
    """One model's held-out figures, its Platt calibration and its threshold."""
    answerable = np.array([r["answerable"] for r in rows])
    top, right = outcomes(rows, raw, judged)
    scale, shift = platt(top, right)
    p = 1 / (1 + np.exp(-(scale * top + shift)))
    threshold = choose_threshold(p, right, answerable)
    answered, declined = rates(p >= threshold, right, answerable)
    curve = tradeoff(p, right, answerable)
    figures = {
        "answerable_right": answered,
        "unanswerable_declined": declined,
        "auroc": auroc(p, answerable),
        "brier": float(np.mean((p - right) ** 2)),
        "first_quote_right_when_answerable": float(right[answerable].mean()),
        "declined_keeping_0.75_answered": max(d for _, a, d in tradeoff(p, right, answerable, 401) if a >= 0.75),
        "curve": curve,
        "calibration": calibration_table(p, right),
    }
    if judged == "first":  # stage 5 answers; the model marks its doubtful answers
        low = today_found & (p < threshold)
        figures["low_confidence_of_wrong_answers"] = float(low[today_found & ~right].mean())
        figures["low_confidence_of_right_answers"] = float(low[today_found & right].mean())
    return figures, (scale, shift), threshold, p, right


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


def flatten(tree, columns) -> tuple[dict, int]:
    """One LightGBM tree (its JSON dump) as flat arrays over all of ``check.FEATURES`` (the
    model saw only ``columns``), a leaf marked by feature -1, and its depth."""
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
        nodes["feature"][i], nodes["threshold"][i] = columns[node["split_feature"]], node["threshold"]
        nodes["left"][i] = visit(node["left_child"], level + 1)
        nodes["right"][i] = visit(node["right_child"], level + 1)
        return i

    visit(tree["tree_structure"], 0)
    return nodes, depth


def export(model, columns, calibration, threshold, held) -> dict:
    """One booster as plain data for ``check.Checker``; the caller checks it against LightGBM."""
    flat = [flatten(tree, columns) for tree in model.booster_.dump_model()["tree_info"]]
    return {
        "depth": max(d for _, d in flat),
        "calibration": list(calibration),
        "decline_below": threshold,
        "held_out": held,
        "trees": [nodes for nodes, _ in flat],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="a SQuAD v2.0 JSON file")
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache")
    parser.add_argument("--model", default=askdefector.DEFAULT_MODEL, help="the embedding model the check reads the cosines of")
    parser.add_argument("--write", action="store_true", help=f"save the models to {check.MODEL_FILE}")
    args = parser.parse_args(argv)
    if args.write and askdefector.embeddings.make_embedder(args.model).model_id != check.MODEL_ID:
        parser.error(f"--write: the shipped check reads the cosines of {check.MODEL_ID}; train others without --write")

    t0 = time.perf_counter()
    documents, questions = load_squad(args.path)
    kb = askdefector.KnowledgeBase.from_documents(documents, cache_dir=args.cache / args.path.stem, model=args.model)
    rows = collect(kb, questions)
    t1 = time.perf_counter()
    answerable = np.array([r["answerable"] for r in rows])
    today_found = np.array([r["today"][0] for r in rows])
    today_right = np.array([r["today"][1] for r in rows])
    today_conf = np.array([r["today"][2] for r in rows])
    t_answered, t_declined = rates(today_found, today_right, answerable)
    training = {
        "file": args.path.name,
        "sha256": hashlib.sha256(args.path.read_bytes()).hexdigest(),
        "questions": len(rows),
        "unanswerable": int((~answerable).sum()),
        "articles": sorted({r["article"] for r in rows}),
        "candidates": int(sum(len(r["y"]) for r in rows)),
        "params": PARAMS,
        "today": {"answerable_right": t_answered, "unanswerable_declined": t_declined, "auroc": auroc(today_conf, answerable)},
    }
    shown = {k: v for k, v in training.items() if k not in ("params", "articles")}
    print(json.dumps(shown, indent=2))
    models = {}
    for name, (columns, judged) in VARIANTS.items():
        held, calibration, threshold, p, right = evaluate(rows, held_out(rows, columns), judged, today_found)
        print(f"\n{name} model ({len(columns)} features, judges the {judged} candidate), held out:")
        print(json.dumps({k: v for k, v in held.items() if k not in ("curve", "calibration")}, indent=2))
        print("  calibration (probability bin: questions, mean probability, first quote right)")
        for b in held["calibration"]:
            print(f"  {b['from']:.1f}-{b['to']:.1f}: {b['questions']:>5} {b['mean_probability']:.3f} {b['first_quote_right']:.3f}")
        by_article = defaultdict(list)
        for r, c, ok in zip(rows, p, right):
            by_article[r["article"]].append((r["answerable"], c >= threshold, ok))
        for article, outcome in sorted(by_article.items()):
            o = np.array(outcome, dtype=bool)
            a, d = o[o[:, 0]], o[~o[:, 0]]
            print(f"  {article:<24} answerable right {np.mean(a[:, 1] & a[:, 2]):.3f}  unanswerable declined {np.mean(~d[:, 1]):.3f}")
        models[name] = (columns, calibration, threshold, held)
    print(f"features {t1 - t0:.0f} s, training {time.perf_counter() - t1:.0f} s")
    if args.write:
        saved = {"format": check.FORMAT, "features": list(check.FEATURES), "training": training, "models": {}}
        sample = np.concatenate([r["x"] for r in rows[:200]])
        for name, (columns, calibration, threshold, held) in models.items():
            model = fit_model(rows, columns)
            saved["models"][name] = export(model, columns, calibration, threshold, held)
            ours = check.Checker(saved["models"][name]).raw(sample)
            theirs = model.predict(sample[:, columns], raw_score=True)
            assert np.allclose(ours, theirs, atol=1e-6), float(np.abs(ours - theirs).max())
        check.Check.from_dict(saved)
        tmp = check.MODEL_FILE.with_suffix(".tmp")
        tmp.write_text(json.dumps(saved, separators=(",", ":")) + "\n", encoding="utf-8")
        tmp.replace(check.MODEL_FILE)
        print(f"wrote {check.MODEL_FILE} ({check.MODEL_FILE.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
