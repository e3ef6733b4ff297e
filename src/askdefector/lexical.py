"""Stage 4a: the lexical ranking, BM25 over stemmed words (bm25s + PyStemmer).

Dense vectors blur names and numbers; BM25 rewards exactly the rare words people ask about
("Panmunjom", "30,000"). k1 and b are the Anserini defaults, which suit short passages better than
the textbook 1.2-1.5 / 0.75 (measured on SQuAD, see benchmarks/squad.py); the stopword list is
NLTK's English one, so question words ("what", "did", "he") don't count as matches.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

K1 = 0.9
B = 0.4
STOPWORDS = "en_plus"
_WORD = re.compile(r"\w+(?:'\w+)?")  # "don't" stays one word


@functools.cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


class LexicalIndex:
    """BM25 scores of a query against every text given at build time."""

    def __init__(self, texts: Sequence[str] = (), retriever=None, size: int | None = None) -> None:
        import bm25s

        self._bm25s = bm25s
        self._stem = _stemmer()
        if size is not None:  # from ``load``
            self._retriever, self.size = retriever, int(size)
            return
        self.size = len(texts)
        tokens = bm25s.tokenize(list(texts), stopwords=STOPWORDS, stemmer=self._stem, show_progress=False)
        # With no word to index (texts of stopwords alone) bm25s can't build: every score is 0.
        self._retriever = bm25s.BM25(k1=K1, b=B) if tokens.vocab else None
        if self._retriever is not None:
            self._retriever.index(tokens, show_progress=False)

    def save(self, folder: Path) -> None:
        """Write the index as bm25s does: .npy arrays (no pickle) and JSON."""
        if self._retriever is not None:
            self._retriever.save(str(folder))
        (folder / "size.json").write_text(json.dumps({"size": self.size, "empty": self._retriever is None}))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read a saved index, memory-mapped; raises OSError or ValueError when it is unusable."""
        import bm25s

        saved = json.loads((folder / "size.json").read_text())
        if saved.get("empty"):
            return cls(size=int(saved["size"]))
        retriever = bm25s.BM25.load(str(folder), mmap=True, allow_pickle=False)
        return cls(retriever=retriever, size=int(saved["size"]))

    def terms(self, query: str) -> list[str]:
        """The query's stemmed content words, as the index sees them."""
        return self.terms_of([query])[0]

    def terms_of(self, texts: Sequence[str]) -> list[list[str]]:
        """Stemmed content words of each text, in one pass (a word repeated is listed again)."""
        return self._bm25s.tokenize(
            list(texts), stopwords=STOPWORDS, stemmer=self._stem, return_ids=False, show_progress=False
        )

    def distinct_terms_of(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text's distinct stemmed content words, in order of first use."""
        return [list(dict.fromkeys(terms)) for terms in self.terms_of(texts)]

    def pairs_of(self, texts: Sequence[str]) -> list[set[tuple[str, str]]]:
        """Each text's adjacent word pairs, stemmed, leaving out pairs of two stopwords: a phrase
        of the question found whole in a sentence ("don't shoot", "Super Bowl") says more than its
        words found apart."""
        stop = _stopwords()
        result = []
        for text in texts:
            words = _WORD.findall(text.lower().replace("\u2019", "'"))
            stems = self._stem.stemWords(words)
            result.append(
                {(a, b) for a, b, wa, wb in zip(stems, stems[1:], words, words[1:]) if not (wa in stop and wb in stop)}
            )
        return result

    def scores(self, query: str) -> np.ndarray:
        """One BM25 score per indexed text (zeros when no query word is in the index)."""
        if self._retriever is None:
            return np.zeros(self.size, dtype=np.float32)
        terms = [t for t in self.terms(query) if t in self._retriever.vocab_dict]
        if not terms or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(terms), dtype=np.float32)
