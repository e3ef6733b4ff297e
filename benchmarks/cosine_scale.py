"""Derive e5's cosine map (``E5Embedder.cosine_scale``) onto MiniLM's scale, from SQuAD v1.1 dev-a.

    python benchmarks/cosine_scale.py ../shared/bench/squad-v1.1-dev-a.json

For 800 questions drawn with seed 0, the 20 sentences closest to each question under each model;
the map ``a * cosine + b`` gives e5's the same mean and spread as MiniLM's. It matches
distributions only: no answer is looked at. Also prints how often the closest sentence of all maps
outside 0..1 (``Answer.confidence`` is clipped there).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import askdefector  # noqa: E402
from askdefector.embeddings import E5_MODEL, E5Embedder  # noqa: E402
from squad import load_squad  # noqa: E402

SAMPLE, SEED, CLOSEST = 800, 0, 20


def closest(path: Path, cache: Path, model: str) -> np.ndarray:
    """The raw cosines of each sampled question's ``CLOSEST`` sentences."""
    documents, questions = load_squad(path)
    sample = [questions[i][0] for i in np.random.default_rng(SEED).choice(len(questions), SAMPLE, replace=False)]
    kb = askdefector.KnowledgeBase.from_documents(documents, cache_dir=cache, model=model)
    sentences = np.asarray(kb.store.columns.sentence_vectors)
    cosines = np.stack([kb.embed_question(q) for q in sample]) @ sentences.T
    return np.sort(cosines, axis=1)[:, -CLOSEST:]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="a SQuAD v1.1 JSON file")
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache")
    args = parser.parse_args(argv)
    cache = args.cache / args.path.stem
    minilm, e5 = closest(args.path, cache, askdefector.DEFAULT_MODEL), closest(args.path, cache, E5_MODEL)
    a = minilm.std() / e5.std()
    b = minilm.mean() - a * e5.mean()
    print(f"{CLOSEST} closest sentences of {SAMPLE} questions: MiniLM mean {minilm.mean():.3f} sd {minilm.std():.3f}; "
          f"e5 mean {e5.mean():.3f} sd {e5.std():.3f}")
    print(f"map: {a:.2f} * cosine {b:+.2f} (shipped: {E5Embedder.cosine_scale[0]} * cosine {E5Embedder.cosine_scale[1]:+})")
    scale, shift = E5Embedder.cosine_scale
    best = scale * e5[:, -1] + shift
    print(f"closest sentence mapped above 1: {np.mean(best > 1):.3f} of the questions, below 0: {np.mean(best < 0):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
