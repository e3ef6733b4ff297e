"""Scale benchmark: search cost from 1,000 to 1,000,000 passages, exact and approximate.

    python benchmarks/scale.py [--sizes 1000 10000 100000 1000000] [--plot docs/scale.png] [--json]

(``benchmarks/speed.py`` runs it too, as its fourth part.)

No machine here can embed a million passages in a session, so the passages are generated from
real ones: each vector mixes two vectors of the SQuAD dev-a knowledge base (its passages and
sentences, embedded by the model) with noise, and its text joins words of the same two texts,
so the BM25 postings match the vectors. The questions are 200 real SQuAD questions, embedded
by the model. Every (size, method) runs in a fresh process, so its resident memory is its own:
- exact: ``ExactIndex`` (the product's search up to ``ANN_ABOVE``), timed alternately with a
  plain NumPy float32 matrix-vector product on the same memory-mapped vectors;
- approximate: ``ApproximateIndex`` (faiss IVF, 8-bit codes, exact re-scoring), with recall@10
  against exact search; the product uses it above ``ANN_ABOVE``;
- semantic_search: ``sentence_transformers.util.semantic_search`` on the same vectors (what a
  user would otherwise write), timed alternately with ``ExactIndex``;
- hybrid: what ``kb.search`` does at that size: BM25 over the postings, then the nearest
  passages, fused (approximate above ``ANN_ABOVE``).
Open = reading the vectors (memory-mapped), the index and the BM25 postings, after imports.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

QUESTIONS = 200
NOISE = 0.6  # norm of the noise added to each generated vector (the mixed vectors have norm 1-2)
CHUNK = 100_000
METHODS = ("exact", "approximate", "semantic_search", "hybrid")
SIZES = [1_000, 10_000, 100_000, 1_000_000]
DATA = ROOT / "benchmarks" / ".cache" / "scale"


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(data: Path, squad_path: Path, largest: int) -> None:
    """Generate the vectors, texts and questions once; later runs reuse them."""
    vectors_path = data / f"vectors-{largest}.npy"
    if vectors_path.exists() and (data / "questions.npy").exists() and (data / f"texts-{largest}.json").exists():
        return
    import askdefector
    import squad

    data.mkdir(parents=True, exist_ok=True)
    documents, questions = squad.load_squad(squad_path)
    from askdefector.embeddings import SentenceTransformerEmbedder
    from askdefector.indexing import build_index

    embedder = SentenceTransformerEmbedder()
    index = build_index(documents, embedder, cache_dir=ROOT / "benchmarks" / ".cache")
    kb = askdefector.KnowledgeBase(index, embedder)
    sources = np.concatenate([index.passage_vectors, index.sentence_vectors])
    words = [p.text.split() for p in index.passages] + [t.split() for t in index.sentence_texts]
    np.save(data / "questions.npy", np.stack([kb.embed_question(q) for q, _, _ in questions[:QUESTIONS]]))
    (data / "questions.json").write_text(json.dumps([q for q, _, _ in questions[:QUESTIONS]]))
    rng = np.random.default_rng(0)
    out = np.lib.format.open_memmap(data / ".vectors.tmp.npy", mode="w+", dtype=np.float32, shape=(largest, sources.shape[1]))
    texts = []
    for start in range(0, largest, CHUNK):
        m = min(CHUNK, largest - start)
        pick = rng.integers(0, len(sources), (m, 2))
        weight = rng.random((m, 1), dtype=np.float32)
        noise = rng.standard_normal((m, sources.shape[1]), dtype=np.float32) * (NOISE / np.sqrt(sources.shape[1]))
        mixed = sources[pick[:, 0]] + weight * sources[pick[:, 1]] + noise
        out[start : start + m] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
        texts.extend(" ".join(words[a][:30] + words[b][:15]) for a, b in pick)
    out.flush()
    del out
    (data / f"texts-{largest}.json").write_text(json.dumps(texts))
    Path(data / ".vectors.tmp.npy").replace(vectors_path)


def build_indexes(data: Path, sizes: list[int], largest: int) -> dict:
    """The approximate index and BM25 postings of every size, built once; build seconds."""
    from askdefector.lexical import LexicalIndex
    from askdefector.vector_index import ApproximateIndex, ExactIndex

    vectors = np.load(data / f"vectors-{largest}.npy", mmap_mode="r")
    questions = np.load(data / "questions.npy")
    texts = None
    seconds = {}
    for n in sizes:
        ann = data / f"ann-{n}.faiss"
        if n >= 10_000 and not ann.exists():
            t = time.perf_counter()
            ApproximateIndex.build(vectors[:n], ann)
            seconds[f"approximate-{n}"] = time.perf_counter() - t
        truth = data / f"truth-{n}.npy"
        if not truth.exists():
            exact = ExactIndex(vectors[:n])
            np.save(truth, np.stack([exact.search(q, 10)[0] for q in questions]))
        lexical = data / f"lexical-{n}"
        if lexical.exists() and not _loads(lexical):
            shutil.rmtree(lexical)  # saved by an older LexicalIndex: build it again
        if not lexical.exists():
            if texts is None:
                texts = json.loads((data / f"texts-{largest}.json").read_text())
            t = time.perf_counter()
            index = LexicalIndex(texts[:n])
            seconds[f"bm25-{n}"] = time.perf_counter() - t
            lexical.mkdir()
            index.save(lexical)
    return seconds


def _loads(folder: Path) -> bool:
    from askdefector.lexical import LexicalIndex

    try:
        LexicalIndex.load(folder)
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False


def child(data: Path, largest: int, n: int, method: str) -> dict:
    """One measurement in this fresh process: open, search medians, peak memory."""
    from askdefector.search import fuse, top_k
    from askdefector.vector_index import ANN_ABOVE, ApproximateIndex, ExactIndex

    if method == "semantic_search":
        import torch
        from sentence_transformers import util
    if method in ("approximate", "hybrid"):
        import faiss  # noqa: F401 - imports are not part of the open time
        from askdefector.lexical import LexicalIndex
    questions = np.load(data / "questions.npy")
    truth = np.load(data / f"truth-{n}.npy")
    t = time.perf_counter()
    vectors = np.load(data / f"vectors-{largest}.npy", mmap_mode="r")[:n]
    if method == "approximate" or (method == "hybrid" and n > ANN_ABOVE):
        index = ApproximateIndex.load(data / f"ann-{n}.faiss", vectors)
    else:
        index = ExactIndex(vectors)
    if method == "hybrid":
        lexical = LexicalIndex.load(data / f"lexical-{n}")
        words = json.loads((data / "questions.json").read_text())
    if method == "semantic_search":
        corpus = torch.from_numpy(np.ascontiguousarray(vectors))
    open_s = time.perf_counter() - t
    ours, base, recall = [], [], []
    for _round in range(2):  # the first round warms the page cache and the library; only the second counts
        ours.clear(), base.clear(), recall.clear()
        for i, q in enumerate(questions):
            if method == "hybrid":
                t = time.perf_counter()
                lex = lexical.scores(words[i])
                near, _ = index.search(q, 100)
                rows = np.union1d(near, top_k(lex, 100))
                fused = fuse(vectors[rows] @ q, lex[rows])
                rows[top_k(fused, 10)]
                ours.append(time.perf_counter() - t)
                continue
            t = time.perf_counter()
            found, _ = index.search(q, 10)
            ours.append(time.perf_counter() - t)
            recall.append(len(set(found.tolist()) & set(truth[i].tolist())) / 10)
            t = time.perf_counter()
            if method == "exact":
                np.asarray(vectors @ q)
            elif method == "semantic_search":
                util.semantic_search(torch.from_numpy(q[None]), corpus, top_k=10)
            else:
                continue
            base.append(time.perf_counter() - t)
    if method == "semantic_search":  # the row is semantic_search's, with ExactIndex beside it
        ours, base, recall = base, ours, []
    return {
        "passages": n,
        "method": method,
        "index": index.kind,
        "open_s": open_s,
        "search_ms": 1000 * statistics.median(ours),
        "baseline_ms": 1000 * statistics.median(base) if base else None,
        "recall_at_10": float(np.mean(recall)) if recall else None,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_child(data: Path, sizes: list[int], n: int, method: str) -> dict:
    cmd = [sys.executable, __file__, "--data", str(data), "--child", str(n), method, "--sizes", *map(str, sizes)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    series = {
        "exact (ExactIndex)": ("exact", "search_ms", "peak_rss_mb"),
        "plain NumPy product": ("exact", "baseline_ms", None),
        "approximate (faiss IVF-SQ8 + rescoring)": ("approximate", "search_ms", "peak_rss_mb"),
        "semantic_search": ("semantic_search", "search_ms", "peak_rss_mb"),
        "hybrid (kb.search: BM25 + vectors)": ("hybrid", "search_ms", "peak_rss_mb"),
    }
    for (label, (method, time_key, memory_key)), colour in zip(series.items(), plt.cm.tab10.colors):
        chosen = [r for r in rows if r["method"] == method]
        xs = [r["passages"] for r in chosen]
        left.plot(xs, [r[time_key] for r in chosen], marker="o", label=label, color=colour)
        if memory_key:
            right.plot(xs, [r[memory_key] for r in chosen], marker="o", label=label, color=colour)
    left.set(xscale="log", yscale="log", xlabel="passages", ylabel="search median (ms)", title="Search time")
    right.set(xscale="log", xlabel="passages", ylabel="peak resident memory (MB)", title="Memory")
    left.grid(True, which="both", alpha=0.3)
    right.grid(True, alpha=0.3)
    left.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def measure(sizes: list[int], data: Path, squad_path: Path, options: list[str] | None = None) -> dict:
    """Every (size, method) row, each from a fresh process, and the build times of this run."""
    largest = max(sizes)
    prepare(data, squad_path, largest)
    builds = build_indexes(data, sizes, largest)
    rows = []
    for n in sizes:
        for method in METHODS:
            if method == "approximate" and n < 10_000:
                continue  # too few vectors to cluster; the product searches exactly far above this
            rows.append(run_child(data, sizes, n, method))
    return {"rows": rows, "build_s": builds}


def table(result: dict) -> str:
    lines = [f"{'passages':>9} {'method':<16} {'open s':>7} {'search ms':>10} {'baseline ms':>12} {'ratio':>6} {'recall@10':>10} {'peak MB':>8}"]
    for r in result["rows"]:
        base = r["baseline_ms"]
        ratio = f"{r['search_ms'] / base:6.2f}" if base else " " * 6
        recall = f"{r['recall_at_10']:10.3f}" if r["recall_at_10"] is not None else " " * 10
        lines.append(
            f"{r['passages']:>9} {r['method']:<16} {r['open_s']:>7.3f} {r['search_ms']:>10.3f} "
            f"{(f'{base:12.3f}' if base else ' ' * 12)} {ratio} {recall} {r['peak_rss_mb']:>8.0f}"
        )
    lines.append(
        "baseline, timed alternately in the same process: exact -> a plain NumPy `vectors @ q`; "
        "semantic_search -> ExactIndex; recall@10 against exact search"
    )
    if result["build_s"]:
        lines.append("built this run (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result["build_s"].items()))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "bench" / "squad-v1.1-dev-a.json")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.data, max(args.sizes), int(args.child[0]), args.child[1])))
        return 0
    result = measure(args.sizes, args.data, args.squad)
    if args.plot:
        plot(result["rows"], args.plot)
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
