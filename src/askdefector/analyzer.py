"""Stage 4a-i: words as the lexical ranking sees them: lowercased, stopwords out, Snowball stems.

The same tokenisation as ``bm25s.tokenize`` (scikit-learn's word pattern, stopwords dropped
before stemming), written out so that answering a question never imports bm25s: bm25s pulls in
scipy.sparse, about a fifth of a one-question run. ``tests/test_lexical.py`` checks that the two
agree word for word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's (and scikit-learn's) default token pattern
_WORD = re.compile(r"\w+(?:'\w+)?")  # for word pairs: "don't" stays one word


class Analyzer:
    """Turns text into stemmed content words and word pairs, given the stopword list."""

    def __init__(self, stopwords: Iterable[str]) -> None:
        import Stemmer

        self.stopwords = frozenset(stopwords)
        self.stemmer = Stemmer.Stemmer("english")

    def terms_of(self, texts: Sequence[str]) -> list[list[str]]:
        """Stemmed content words of each text, in order (a word repeated is listed again)."""
        result = []
        for text in texts:
            words = [w for w in _TOKEN.findall(text.lower()) if w not in self.stopwords]
            result.append(self.stemmer.stemWords(words))
        return result

    def distinct_terms_of(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text's distinct stemmed content words, in order of first use."""
        return [list(dict.fromkeys(terms)) for terms in self.terms_of(texts)]

    def pairs_of(self, texts: Sequence[str]) -> list[set[tuple[str, str]]]:
        """Each text's adjacent word pairs, stemmed, leaving out pairs of two stopwords: a phrase
        of the question found whole in a sentence ("don't shoot", "Super Bowl") says more than its
        words found apart."""
        stop = self.stopwords
        result = []
        for text in texts:
            words = _WORD.findall(text.lower().replace("\u2019", "'"))
            stems = self.stemmer.stemWords(words)
            result.append(
                {(a, b) for a, b, wa, wb in zip(stems, stems[1:], words, words[1:]) if not (wa in stop and wb in stop)}
            )
        return result
