import numpy as np

from askdefector.cache.lexical import lexical_index
from askdefector.lexical import LexicalIndex

TEXTS = [
    "Oh Chong Song ran through Panmunjom, the truce village.",
    "Around 30,000 people have defected since the Korean War.",
    "His comrades shot him at least five times.",
]
SENTENCES = ["Panmunjom is a village.", "He was shot five times."]


def test_rare_names_and_numbers_rank_first():
    index = LexicalIndex(TEXTS)
    assert int(np.argmax(index.scores("Panmunjom"))) == 0
    assert int(np.argmax(index.scores("how many people defected, 30,000?"))) == 1
    assert not index.scores("what is it").any()  # stopwords alone match nothing


def test_saved_index_gives_the_same_scores(tmp_path):
    built, terms = lexical_index(tmp_path, TEXTS, SENTENCES)
    loaded, loaded_terms = lexical_index(tmp_path, TEXTS, SENTENCES)
    assert list(tmp_path.glob("lexical-*/terms.json"))
    assert loaded_terms == terms == [LexicalIndex(TEXTS).analyzer.terms_of([s])[0] for s in SENTENCES]
    for query in ("Panmunjom village", "shot five times", "defected war", "nothing matches"):
        np.testing.assert_allclose(loaded.scores(query), built.scores(query), rtol=1e-6)


def test_changed_texts_get_a_new_index_and_the_old_one_goes(tmp_path):
    lexical_index(tmp_path, TEXTS, SENTENCES)
    changed = TEXTS[:2] + ["A doctor saved him."]
    index, _ = lexical_index(tmp_path, changed, SENTENCES)
    assert int(np.argmax(index.scores("doctor"))) == 2
    assert len(list(tmp_path.glob("lexical-*"))) == 1


def test_damaged_saved_index_is_rebuilt(tmp_path):
    lexical_index(tmp_path, TEXTS, SENTENCES)
    folder = next(tmp_path.glob("lexical-*"))
    for npy in folder.rglob("*.npy"):
        npy.write_bytes(b"garbage")
    index, _ = lexical_index(tmp_path, TEXTS, SENTENCES)
    assert int(np.argmax(index.scores("Panmunjom"))) == 0


def test_word_pairs_match_across_apostrophes_and_skip_stopword_pairs():
    question, sentence = LexicalIndex(TEXTS).analyzer.pairs_of(["Guards who don't shoot at a defector", "If they don’t shoot, they are punished."])
    assert ("don't", "shoot") in question & sentence  # curly and straight apostrophes are one word
    assert ("who", "don't") not in question  # two stopwords make no phrase
    assert ("guard", "who") in question  # words are stemmed


def test_texts_without_an_indexable_word_score_zero_and_save(tmp_path):
    texts = ["The the.", "I a."]  # stopwords and one-letter words only
    built, _ = lexical_index(tmp_path, texts, texts)
    loaded, _ = lexical_index(tmp_path, texts, texts)
    for index in (built, loaded):
        assert index.scores("the harbour").tolist() == [0.0, 0.0]


def test_numpy_scores_and_words_agree_with_bm25s(kb):
    """The question path scores without bm25s: same words and same scores as bm25s's own, on
    the shipped articles' passages and on the words of every gold question."""
    import bm25s
    import Stemmer

    from gold import ANSWERABLE, UNANSWERABLE

    texts = [p.text for p in kb.store.passages(range(kb.store.size().passages))]
    index = LexicalIndex(texts)
    reference = bm25s.BM25(k1=0.9, b=0.4)
    stemmer = Stemmer.Stemmer("english")
    reference.index(bm25s.tokenize(texts, stopwords="en_plus", stemmer=stemmer, show_progress=False), show_progress=False)
    questions = [q for q, _ in ANSWERABLE] + UNANSWERABLE + ["Oh Oh Oh shot shot", "Panmunjom's 30,000 défecteurs"]
    expected = bm25s.tokenize(questions + texts, stopwords="en_plus", stemmer=stemmer, return_ids=False, show_progress=False)
    assert index.analyzer.terms_of(questions + texts) == expected
    for question in questions:
        words = [t for t in index.analyzer.terms_of([question])[0] if t in reference.vocab_dict]
        theirs = reference.get_scores(words) if words else np.zeros(len(texts))
        np.testing.assert_allclose(index.scores(question), theirs, rtol=1e-5, atol=1e-6)
