"""The product at scale: ``askdefector.open`` (or opening a store) and ``kb.ask`` over a generated
archive, the whole path, not only the search layer (that is benchmarks/scale.py).

    python benchmarks/scale_store.py --store embedded --sizes 100000        # PostgreSQL, started for the run
    python benchmarks/scale_store.py --store postgresql://... --sizes 100000

Articles are generated from real text: each has one paragraph of six sentences, each sentence the
words of two real SQuAD dev-a sentences spliced (first half of one, second half of the other), so
no sentence repeats and the vocabulary is real. No machine here embeds a million texts in a
session, so vectors come from a bag-of-words embedder (a fixed random vector per word, summed and
normalised): dense and BM25 rankings agree as they do with a model, and every vector costs the
same to store and search as the model's 384 floats. Questions are 200 real SQuAD questions through
the same embedder; the model's own question encoding (about 5 ms with the ONNX export, see
benchmarks/speed.py) is not in these figures.

Printed per size: insert (split, analyse, write; vectors from the embedder above), open (a new
process's connection and first question), ``kb.ask`` median and p95 alone, and with 8 clients at
once (threads, each its own connection from the store's pool), p50 and p95 over a bounded number
of questions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

SENTENCES_PER_ARTICLE = 6  # one paragraph: passages of 3 sentences every 2 give 3 passages each
QUESTIONS = 200
CLIENTS = 8
CONCURRENT_QUESTIONS = 25  # per client: 200 questions in all, bounded


class BagOfWords:
    """A deterministic stand-in for the model: a fixed random unit vector per word, summed."""

    model_id = "bag-of-words-384"

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self._words: dict[str, np.ndarray] = {}

    def _word(self, word: str) -> np.ndarray:
        vector = self._words.get(word)
        if vector is None:
            seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            vector = self._words[word] = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return vector

    def encode(self, texts, batch_size: int = 64) -> np.ndarray:
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                rows[i] += self._word(word.strip(".,;:!?\"'()"))
            norm = np.linalg.norm(rows[i])
            rows[i] /= norm if norm else 1.0
        return rows


def real_sentences(squad_path: Path) -> list[str]:
    from askdefector.passages import document_sentences

    import squad

    documents, _ = squad.load_squad(squad_path)
    found = []
    for doc in documents:
        found.extend(doc.text[s.start : s.end] for s in document_sentences(doc))
    return [s for s in found if len(s.split()) >= 6]


def articles(n_passages: int, sentences: list[str], seed: int = 0):
    """Generated articles holding about ``n_passages`` passages (3 per article)."""
    from askdefector.types import Document

    rng = np.random.default_rng(seed)
    for k in range(n_passages // 3):
        picked = rng.integers(0, len(sentences), size=(SENTENCES_PER_ARTICLE, 2))
        body = []
        for a, b in picked:
            first, second = sentences[a].split(), sentences[b].split()
            body.append(" ".join(first[: len(first) // 2] + second[len(second) // 2 :]).rstrip(".") + ".")
        yield Document(f"story-{k:07d}.txt", f"Story {k}", " ".join(body))


def questions(squad_path: Path) -> list[str]:
    import squad

    _, asked = squad.load_squad(squad_path)
    return [q for q, _, _ in asked[:QUESTIONS]]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure_postgres(url: str, n: int, squad_path: Path) -> dict:
    import askdefector
    from askdefector.stores.postgres import PostgresStore

    embedder = BagOfWords()
    store = PostgresStore(url, embedder.model_id, dimension=embedder.dim, max_connections=CLIENTS)
    sentences = real_sentences(squad_path)
    t = time.perf_counter()
    batch: list = []
    for doc in articles(n, sentences):
        batch.append(doc)
        if len(batch) == 2000:
            store.add(batch, embedder)
            batch = []
    if batch:
        store.add(batch, embedder)
    insert_s = time.perf_counter() - t
    store.close()
    asked = questions(squad_path)

    t = time.perf_counter()
    store = PostgresStore(url, embedder.model_id, max_connections=CLIENTS)
    kb = askdefector.KnowledgeBase(store, embedder)
    kb.ask(asked[0])
    open_s = time.perf_counter() - t
    alone = []
    for q in asked:
        t = time.perf_counter()
        kb.ask(q)
        alone.append(time.perf_counter() - t)

    together: list[float] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        mine = asked[i * CONCURRENT_QUESTIONS : (i + 1) * CONCURRENT_QUESTIONS]
        for q in mine:
            t = time.perf_counter()
            kb.ask(q)
            with lock:
                together.append(time.perf_counter() - t)

    t = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    wall = time.perf_counter() - t
    with store.reading() as reader:
        size = reader.size()
    store.close()
    return {
        "store": "postgresql",
        "passages": size.passages,
        "sentences": size.sentences,
        "documents": size.documents,
        "insert_s": insert_s,
        "open_and_first_ask_s": open_s,
        "ask_median_ms": 1000 * statistics.median(alone),
        "ask_p95_ms": 1000 * percentile(alone, 0.95),
        "concurrent_clients": CLIENTS,
        "concurrent_p50_ms": 1000 * percentile(together, 0.5),
        "concurrent_p95_ms": 1000 * percentile(together, 0.95),
        "concurrent_questions_per_s": len(together) / wall,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="'embedded' (a server started for the run) or a postgresql:// URL of an empty database")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "bench" / "squad-v1.1-dev-a.json")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = []
    for n in args.sizes:
        if args.store == "embedded":
            from postgres_server import new_database, running_postgres

            with running_postgres() as server:
                results.append(measure_postgres(new_database(server), n, args.squad))
        else:
            results.append(measure_postgres(args.store, n, args.squad))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'store':<11} {'passages':>9} {'insert s':>9} {'open s':>7} {'ask p50':>8} {'ask p95':>8} "
          f"{'8 clients p50':>14} {'p95':>7} {'q/s':>6}")
    for r in results:
        print(
            f"{r['store']:<11} {r['passages']:>9,} {r['insert_s']:>9.1f} {r['open_and_first_ask_s']:>7.2f} "
            f"{r['ask_median_ms']:>8.1f} {r['ask_p95_ms']:>8.1f} {r['concurrent_p50_ms']:>14.1f} "
            f"{r['concurrent_p95_ms']:>7.1f} {r['concurrent_questions_per_s']:>6.1f}"
        )
    print("(ask times in ms, without the model's question encoding; insert includes splitting and analysing the articles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
