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


    def encode_many(self, texts, chunk: int = 20_000) -> np.ndarray:
        """``encode`` for millions of texts: the same sums, as a sparse matrix product per chunk."""
        from scipy import sparse

        ids: dict[str, int] = {}
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), chunk):
            rows, cols = [], []
            for i, text in enumerate(texts[start : start + chunk]):
                for word in text.lower().split():
                    rows.append(i)
                    cols.append(ids.setdefault(word.strip(".,;:!?\"'()"), len(ids)))
            words = list(ids)
            table = np.stack([self._word(w) for w in words]) if words else np.zeros((0, self.dim), np.float32)
            counts = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(min(chunk, len(texts) - start), len(words)))
            block = np.asarray(counts @ table, dtype=np.float32)
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            out[start : start + len(block)] = block / np.where(norms > 0, norms, 1.0)
        return out


def real_sentences(squad_path: Path) -> list[str]:
    from askdefector.passages import document_sentences

    import squad

    documents, _ = squad.load_squad(squad_path)
    found = []
    for doc in documents:
        found.extend(doc.text[s.start : s.end] for s in document_sentences(doc))
    return [s for s in found if len(s.split()) >= 6]


def articles(n_passages: int, sentences: list[str], seed: int = 0, shape: tuple[int, int] = (1, SENTENCES_PER_ARTICLE)):
    """Generated articles holding about ``n_passages`` passages (3 per article)."""
    for doc, _ in articles_with_spans(n_passages, sentences, seed, shape):
        yield doc


def articles_with_spans(n_passages: int, sentences: list[str], seed: int = 0, shape: tuple[int, int] = (1, SENTENCES_PER_ARTICLE)):
    """Generated articles of ``shape`` (paragraphs, sentences per paragraph), 3 passages each, with
    each paragraph's sentence spans."""
    from askdefector.types import Document

    paragraphs, per_paragraph = shape
    rng = np.random.default_rng(seed)
    for k in range(n_passages // 3):
        picked = rng.integers(0, len(sentences), size=(paragraphs * per_paragraph, 2))
        text, spans = "", []
        for p in range(paragraphs):
            text += "\n\n" if p else ""
            group = []
            for a, b in picked[p * per_paragraph : (p + 1) * per_paragraph]:
                first, second = sentences[a].split(), sentences[b].split()
                sentence = " ".join(first[: len(first) // 2] + second[len(second) // 2 :]).rstrip(".") + "."
                text += " " if group else ""
                group.append((len(text), len(text) + len(sentence)))
                text += sentence
            spans.append(group)
        yield Document(f"story-{k:07d}.txt", f"Story {k}", text), spans


def questions(squad_path: Path) -> list[str]:
    import squad

    _, asked = squad.load_squad(squad_path)
    return [q for q, _, _ in asked[:QUESTIONS]]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure_postgres(url: str, n: int, squad_path: Path, reuse: bool = False) -> dict:
    import askdefector
    from askdefector.stores.postgres import PostgresStore

    embedder = BagOfWords()
    store = PostgresStore(url, embedder.model_id, dimension=embedder.dim, max_connections=CLIENTS)
    with store.reading() as reader:
        held = reader.size().passages
    t = time.perf_counter()
    if held and reuse:
        print(f"reusing the {held:,} passages the database holds", file=sys.stderr)
    else:
        batch: list = []
        for doc in articles(n, real_sentences(squad_path)):
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
    alone = _one_by_one(kb, asked)

    together, wall = _concurrently(kb, asked)
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
        **latencies(alone, together, wall),
    }


# pgvector's advice: the HNSW indexes in shared buffers (at 100,000 passages they take 582 MB;
# PostgreSQL's default is 128 MB, and with it 8 clients' p95 was 278 to 333 ms instead of 212 to 230).
SERVER_SETTINGS = {"shared_buffers": "1GB"}
LOCAL_SHAPE = (3, 3)  # paragraphs of 3 sentences: one passage each, 3 sentences per passage
DATA = ROOT / "benchmarks" / ".cache" / "scale_store"


def build_folder_store(root: Path, n: int, squad_path: Path) -> dict:
    """A store folder of ``n`` generated passages, written once (later runs reuse it): the
    product's columns, BM25 and vector index over the generated articles, bypassing only the
    segmenter (the spans are known) and the model (``BagOfWords``)."""
    from askdefector.lexical import LexicalIndex
    from askdefector.passages import windows
    from askdefector.stores import columns as cols
    from askdefector.stores import folder
    from askdefector.stores.local import LocalStore
    from askdefector.vector_index import nearest_index

    if folder.is_store(root):
        return json.loads((root / "built.json").read_text())
    root.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    documents, sentence_rows, passage_rows, titled, sentence_texts = [], [], [], [], []
    for doc, paragraphs in articles_with_spans(n, real_sentences(squad_path), shape=LOCAL_SHAPE):
        documents.append(doc)
        for number, group in enumerate(paragraphs, 1):
            first = len(sentence_rows)
            sentence_rows.extend((doc.id, number, s, e) for s, e in group)
            sentence_texts.extend(doc.text[s:e] for s, e in group)
            for i, j in windows(len(group)):
                passage_rows.append((doc.id, number, first + i, j - i))
                titled.append(f"{doc.title}: {doc.text[group[i][0] : group[j - 1][1]]}")
    embedder = BagOfWords()
    passage_vectors, sentence_vectors = embedder.encode_many(titled), embedder.encode_many(sentence_texts)
    lexical = LexicalIndex(titled)
    terms = lexical.analyzer.distinct_terms_of(sentence_texts)
    columns = cols.build(documents, sentence_rows, passage_rows, terms, passage_vectors, sentence_vectors)
    folder.write(root, LocalStore(columns, nearest_index(columns.passage_vectors), lexical), embedder.model_id)
    built = {"build_s": time.perf_counter() - t, "documents": len(documents), "passages": len(passage_rows), "sentences": len(sentence_rows)}
    (root / "built.json").write_text(json.dumps(built))
    return built


def measure_folder(root: Path, squad_path: Path) -> dict:
    """Open the store folder and ask, in this (fresh) process: open, first ask, ask p50/p95,
    8 clients, peak resident memory."""
    import askdefector

    asked = questions(squad_path)
    embedder = BagOfWords()
    t = time.perf_counter()
    kb = askdefector.open(None, embedder=embedder, store=root)
    open_s = time.perf_counter() - t
    t = time.perf_counter()
    kb.ask(asked[0])
    first_s = time.perf_counter() - t
    alone = _one_by_one(kb, asked)
    together, wall = _concurrently(kb, asked)
    size = kb.store.size()
    return {
        "store": "folder",
        "passages": size.passages,
        "sentences": size.sentences,
        "documents": size.documents,
        "open_s": open_s,
        "first_ask_s": first_s,
        **latencies(alone, together, wall),
        "peak_rss_mb": peak_rss_mb(),
    }


def latencies(alone: list[float], together: list[float], wall: float) -> dict:
    """The figures of one run's answer times (seconds): alone, and with ``CLIENTS`` at once."""
    return {
        "ask_median_ms": 1000 * statistics.median(alone),
        "ask_p95_ms": 1000 * percentile(alone, 0.95),
        "concurrent_clients": CLIENTS,
        "concurrent_p50_ms": 1000 * percentile(together, 0.5),
        "concurrent_p95_ms": 1000 * percentile(together, 0.95),
        "concurrent_questions_per_s": len(together) / wall,
    }


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _one_by_one(kb, asked: list[str]) -> list[float]:
    """Seconds per question, asked one after another."""
    seconds = []
    for q in asked:
        t = time.perf_counter()
        kb.ask(q)
        seconds.append(time.perf_counter() - t)
    return seconds


def _concurrently(kb, asked: list[str]) -> tuple[list[float], float]:
    """``CLIENTS`` threads asking ``CONCURRENT_QUESTIONS`` each: every answer's time, and the wall time."""
    together: list[float] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        for q in asked[i * CONCURRENT_QUESTIONS : (i + 1) * CONCURRENT_QUESTIONS]:
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
    return together, time.perf_counter() - t


def run_folder(n: int, squad_path: Path) -> dict:
    import subprocess

    root = DATA / f"folder-{n}"
    built = build_folder_store(root, n, squad_path)
    out = subprocess.run(
        [sys.executable, __file__, "--measure-folder", str(root), "--squad", str(squad_path)],
        check=True, capture_output=True, text=True, timeout=1800,
    ).stdout
    return {**json.loads(out), "insert_s": built["build_s"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--store", default="folder",
        help="'folder' (the local store in a folder), 'embedded' (PostgreSQL, a server started for the run) "
        "or a postgresql:// URL of an empty database",
    )
    parser.add_argument("--measure-folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true", help="with a postgresql:// URL: measure what the database holds, inserting nothing")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "bench" / "squad-v1.1-dev-a.json")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.measure_folder:
        print(json.dumps(measure_folder(args.measure_folder, args.squad)))
        return 0
    results = []
    for n in args.sizes:
        if args.store == "folder":
            results.append(run_folder(n, args.squad))
        elif args.store == "embedded":
            from postgres_server import new_database, running_postgres

            with running_postgres(SERVER_SETTINGS) as server:
                results.append(measure_postgres(new_database(server), n, args.squad))
        else:
            results.append(measure_postgres(args.store, n, args.squad, args.reuse))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'store':<11} {'passages':>9} {'sentences':>10} {'insert s':>9} {'open s':>7} {'1st ask s':>9} {'ask p50':>8} "
          f"{'ask p95':>8} {'8 clients p50':>14} {'p95':>7} {'q/s':>6} {'peak MB':>8}")
    for r in results:
        opened = r.get("open_s", r.get("open_and_first_ask_s"))
        first = f"{r['first_ask_s']:>9.3f}" if "first_ask_s" in r else f"{'(in open)':>9}"
        peak = f"{r['peak_rss_mb']:>8.0f}" if "peak_rss_mb" in r else f"{'':>8}"
        print(
            f"{r['store']:<11} {r['passages']:>9,} {r['sentences']:>10,} {r['insert_s']:>9.1f} {opened:>7.2f} {first} "
            f"{r['ask_median_ms']:>8.1f} {r['ask_p95_ms']:>8.1f} {r['concurrent_p50_ms']:>14.1f} "
            f"{r['concurrent_p95_ms']:>7.1f} {r['concurrent_questions_per_s']:>6.1f} {peak}"
        )
    print("(ask times in ms, without the model's question encoding; insert includes splitting and analysing the articles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
