"""Stage 4a-ii: the lexical ranking, BM25 over stemmed words: built with bm25s, scored with NumPy.

Dense vectors blur names and numbers; BM25 rewards exactly the rare words people ask about
("Panmunjom", "30,000"). k1 and b are the Anserini defaults, which suit short passages better than
the textbook 1.2-1.5 / 0.75 (measured on SQuAD, see benchmarks/squad.py); the stopword list is
bm25s's English one (NLTK's plus a few), so question words ("what", "did", "he") don't count.

bm25s computes every (word, text) score once, at build time, into a sparse column per word; a
query only sums the columns of its words. That sum needs three plain arrays, not bm25s or scipy,
so a question reads the saved arrays (memory-mapped) and never imports either.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .analyzer import Analyzer

K1 = 0.9
B = 0.4
STOPWORDS = "en_plus"
FORMAT = 2  # 2: the stopword list is saved with the index
_ARRAYS = ("data", "indices", "indptr")  # bm25s's CSC matrix, one column per word


def _bm25s_stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return sorted(STOPWORDS_EN_PLUS)


class LexicalIndex:
    """BM25 scores of a query against every text given at build time; ``analyzer`` reads words
    as the index does (the engine reads questions with it)."""

    def __init__(self, texts: Sequence[str] = ()) -> None:
        import bm25s

        self.analyzer = Analyzer(_bm25s_stopwords())
        self.size = len(texts)
        tokens = bm25s.tokenize(
            list(texts), stopwords=STOPWORDS, stemmer=self.analyzer.stemmer, show_progress=False
        )
        self._vocab: dict[str, int] = {}
        self._arrays: dict[str, np.ndarray] = {}
        # With no word to index (texts of stopwords alone) bm25s can't build: every score is 0.
        if tokens.vocab:
            retriever = bm25s.BM25(k1=K1, b=B)
            retriever.index(tokens, show_progress=False)
            self._vocab = {w: i for w, i in retriever.vocab_dict.items() if w}
            self._arrays = {name: retriever.scores[name] for name in _ARRAYS}

    def save(self, folder: Path) -> None:
        """Write the index under bm25s's file names (.npy arrays without pickle, and JSON), plus
        our settings; an index read back from disk saves the same."""
        if self._vocab:
            (folder / "vocab.index.json").write_text(json.dumps(self._vocab, ensure_ascii=False), "utf-8")
            for name in _ARRAYS:
                np.save(folder / f"{name}.csc.index.npy", np.asarray(self._arrays[name]), allow_pickle=False)
        meta = {"format": FORMAT, "size": self.size, "empty": not self._vocab, "stopwords": sorted(self.analyzer.stopwords)}
        (folder / "size.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read a saved index, memory-mapped, without bm25s; raises OSError, ValueError, KeyError
        or TypeError when it is unusable."""
        meta = json.loads((folder / "size.json").read_bytes())
        if meta.get("format") != FORMAT:
            raise ValueError(f"lexical index format {meta.get('format')!r}, expected {FORMAT}")
        index = cls.__new__(cls)
        index.analyzer = Analyzer(meta["stopwords"])
        index.size = int(meta["size"])
        index._vocab, index._arrays = {}, {}
        if meta["empty"]:
            return index
        vocab = json.loads((folder / "vocab.index.json").read_bytes())
        arrays = {name: np.load(folder / f"{name}.csc.index.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS}
        words = len(arrays["indptr"]) - 1
        if not isinstance(vocab, dict):
            raise ValueError("lexical vocabulary is not a JSON object")
        vocab.pop("", None)  # bm25s's placeholder for an empty text, never a query word, has no column
        if any(type(i) is not int or not 0 <= i < words for i in vocab.values()):
            raise ValueError("lexical vocabulary does not match its arrays")
        if arrays["indptr"][-1] != len(arrays["data"]) or len(arrays["data"]) != len(arrays["indices"]):
            raise ValueError("lexical arrays do not match each other")
        index._vocab, index._arrays = vocab, arrays
        return index

    def scores(self, query: str) -> np.ndarray:
        """One BM25 score per indexed text (zeros when no query word is in the index)."""
        return self.scores_of(self.analyzer.terms_of([query])[0])

    def scores_of(self, terms: Sequence[str]) -> np.ndarray:
        """One BM25 score per indexed text for the query's analysed ``terms``: the sum of the
        columns of its words, a word asked twice counted twice, as bm25s does."""
        ids = [self._vocab[t] for t in terms if t in self._vocab]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        data, indices, indptr = (self._arrays[name] for name in _ARRAYS)
        rows = np.concatenate([np.arange(indptr[i], indptr[i + 1]) for i in ids])
        summed = np.bincount(indices[rows], weights=data[rows], minlength=self.size)
        return summed[: self.size].astype(np.float32)
