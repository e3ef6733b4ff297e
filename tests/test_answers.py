"""End to end with the real model on the shipped corpus: the gold questions and the declines,
each on both stores (files beside the corpus, and a real PostgreSQL server)."""

import pytest
from gold import ANSWERABLE, UNANSWERABLE

from askdefector import answer
from askdefector.compare import describe
from askdefector.stores import SentenceRecord

GOLD_RATE = 0.95  # share of gold questions whose first quote must hold the expected text (measured: 0.967)
SEARCH_RATE = 0.85  # share whose first search hit must hold it (measured: 0.90; 0.83 without re-ranking)


@pytest.fixture(scope="module", params=["local", "postgresql"])
def kb(request, kb):
    """The shipped corpus on each store: every test here expects the same behaviour from both."""
    return kb if request.param == "local" else request.getfixturevalue("postgres_kb")


def test_gold_questions_are_answered_with_the_right_first_quote(kb):
    misses = []
    for question, expected in ANSWERABLE:
        answer = kb.ask(question)
        if not (answer.found and answer.quotes and expected in answer.quotes[0].text):
            misses.append((question, answer.quotes[0].text if answer.quotes else None))
    rate = 1 - len(misses) / len(ANSWERABLE)
    assert rate >= GOLD_RATE, misses


@pytest.mark.parametrize("question", [q for q, _ in ANSWERABLE])
def test_questions_the_articles_answer_are_not_declined(kb, question):
    assert kb.ask(question).found


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_questions_the_articles_cannot_answer_are_declined(kb, question):
    answer = kb.ask(question)
    assert not answer.found
    assert answer.quotes, "a decline still shows the closest passages"


def test_shot_question_quotes_both_articles(kb):
    answer = kb.ask("how many times was he shot")
    assert answer.found
    assert all("five" in q.text for q in answer.quotes[:2])
    assert {q.outlet for q in answer.quotes} == {"NBC News", "Business Insider"}
    assert answer.agreement is not None and answer.agreement.kind == "agree"  # both outlets: five
    line = describe(answer.agreement)
    assert line.startswith(("Business Insider and NBC News agree: five", "NBC News and Business Insider agree: five"))
    assert "at least five" in line  # Business Insider's qualifier is shown, in its own words


# The blind set (tests/gold_blind.py) as rates: floors at today's measured figures, so a change
# that loses ground on questions nobody tuned for fails here. Issue 11's targets are far above.
BLIND_ANSWERED_RATE = 0.40  # answerable, found with the right first quote (measured: 13/30)
BLIND_DECLINED_RATE = 0.15  # on-topic unanswerable, declined (measured: 2/13)


def test_blind_gold_set_rates_hold(kb):
    import gold_blind

    right = sum(
        a.found and bool(a.quotes) and expected in a.quotes[0].text
        for a, expected in ((kb.ask(q), e) for q, e in gold_blind.ANSWERABLE)
    )
    declined = sum(not kb.ask(q).found for q in gold_blind.UNANSWERABLE)
    assert right / len(gold_blind.ANSWERABLE) >= BLIND_ANSWERED_RATE
    assert declined / len(gold_blind.UNANSWERABLE) >= BLIND_DECLINED_RATE


def test_every_quote_is_exact_text_of_its_document(kb):
    for question, _ in ANSWERABLE + [(q, "") for q in UNANSWERABLE]:
        for quote in kb.ask(question).quotes:
            assert kb.document(quote.doc_id).text[quote.start : quote.end] == quote.text


def test_search_returns_ranked_hits_with_spans(kb):
    hits = kb.search("Panmunjom truce village", k=4)
    assert len(hits) == 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert "Panmunjom" in hits[0].text
    for h in hits:
        assert kb.document(h.doc_id).text[h.start : h.end] == h.text


def test_follow_up_uses_the_earlier_question(kb):
    alone = kb.ask("How many times?")
    follow = kb.ask("How many times?", history=["Who shot him?"])
    assert follow.found and "five times" in follow.quotes[0].text
    assert follow.confidence > alone.confidence


def test_a_whole_question_in_a_chat_is_answered_as_it_is_alone(kb):
    """The question before it must not pull a question that stands alone to its own topic."""
    question = "What happens to guards who don't shoot at a defector?"
    follow = kb.ask(question, history=["How old is Oh Chong Song?"])
    assert follow.quotes == kb.ask(question).quotes and "severely punished" in follow.quotes[0].text


def test_citation_names_outlet_title_and_paragraph(kb):
    quote = kb.ask("What did the doctor who saved him say?").quotes[0]
    assert quote.citation.startswith('Business Insider, "North Korean defector')
    assert quote.citation.endswith(f"paragraph {quote.paragraph}")


@pytest.mark.parametrize(
    "title",
    ["North Korean defector breaks silence, young anti-Kim Jong Un, interview", "A" * 60, "Short title", "x " * 40],
)
def test_citation_cuts_a_long_title_at_a_word(title):
    from askdefector import Quote

    shown = Quote("q", "d", title, "Outlet", 1, 0, 1, 0.0, 0).citation.split('"')[1]
    if len(title) <= 48:
        assert shown == title
    else:
        kept = shown.removesuffix(" ...")
        assert shown.endswith(" ...") and len(shown) <= 48 and title.startswith(kept)
        assert " " not in title.strip() or title[len(kept)] in " ,"  # never a word cut in two


def test_empty_question_is_refused(kb):
    with pytest.raises(ValueError):
        kb.ask("   ")


@pytest.mark.parametrize(
    ("call", "error", "names"),
    [
        (lambda kb: kb.ask("Who shot him?", k=0), ValueError, "k must be at least 1"),
        (lambda kb: kb.ask("Who shot him?", k=1.5), TypeError, "k must be an int, not float"),
        (lambda kb: kb.search("Who shot him?", k=None), TypeError, "k must be an int, not NoneType"),
        (lambda kb: kb.ask(123), TypeError, "question must be a str, not int"),
        (lambda kb: kb.search(b"Who shot him?"), TypeError, "question must be a str"),
        (lambda kb: kb.ask("How many times?", history="Who shot him?"), TypeError, "history must be a list"),
        (lambda kb: kb.ask("How many times?", history=[1]), TypeError, "history must hold only str"),
        (lambda kb: askdefector_open(123), TypeError, "corpus_dir must be a path"),
        (lambda kb: askdefector_open("corpus", model=None), TypeError, "model must be"),
        (lambda kb: from_documents("some text"), TypeError, "documents must be an iterable of Document"),
        (lambda kb: from_documents([{"id": "a"}]), TypeError, "documents must hold only Document"),
    ],
)
def test_library_names_the_bad_argument(kb, call, error, names):
    with pytest.raises(error, match=names):
        call(kb)


def test_library_takes_numpy_ints_and_tuples(kb):
    import numpy as np

    answer = kb.ask("How many times?", history=("Who shot him?",), k=np.int64(1))
    assert len(answer.quotes) == 1 and "five times" in answer.quotes[0].text


def askdefector_open(*args, **kwargs):
    import askdefector

    return askdefector.open(*args, **kwargs)


def from_documents(documents):
    import askdefector

    return askdefector.KnowledgeBase.from_documents(documents)


def test_library_builds_from_documents(tmp_path):
    import askdefector

    docs = [
        askdefector.Document("x", "Harbour", "The ferry leaves the harbour at noon every day."),
        askdefector.Document("y", "Mountain", "The summit is 4,808 metres above sea level."),
    ]
    kb = askdefector.KnowledgeBase.from_documents(docs, cache_dir=tmp_path)
    assert kb.search("how high is the summit", k=1)[0].doc_id == "y"
    answer = kb.ask("When does the ferry leave?")
    assert answer.found and answer.quotes[0].doc_id == "x"


@pytest.mark.parametrize(
    ("question", "holds", "lacks"),
    [
        ("How many times was he shot?", "He was shot five times.", "He was shot."),
        ("When did he cross?", "He crossed in November 2017.", "He crossed at night."),
        ("Why did he run?", "He ran because he feared prison.", "He ran to the border."),
    ],
)
def test_answer_type_follows_the_question_word(question, holds, lacks):
    pattern = answer.answer_pattern(question)
    assert pattern.search(holds) and not pattern.search(lacks)


def test_sentence_holding_the_questions_phrase_outranks_one_with_its_words_apart():
    query = answer.Query(["guard", "shoot"], {("guard", "who"), ("who", "don't"), ("don't", "shoot")})
    idf = {"guard": 1.0, "shoot": 1.0, "blame": 1.0}
    whole = answer.evidence(
        query, 0.5, ["guard", "shoot"], {("guard", "who"), ("don't", "shoot")}, "Guards who don't shoot are punished.", idf
    )
    apart = answer.evidence(
        query, 0.5, ["blame", "guard", "shoot"], {("guard", "who"), ("who", "shoot")}, "He blames the guards who shoot.", idf
    )
    assert whole > apart


def test_search_ranks_first_the_passage_that_answers(kb):
    found = sum(expected in kb.search(question, k=1)[0].text for question, expected in ANSWERABLE)
    assert found / len(ANSWERABLE) >= SEARCH_RATE


def test_quotes_never_leave_a_quotation_open(kb):
    for question, _ in ANSWERABLE:
        for quote in kb.ask(question).quotes:
            assert quote.text.count("“") <= quote.text.count("”"), quote.text


def test_sentence_pointing_back_is_quoted_with_the_one_before(tmp_path):
    import askdefector

    text = "The harbour ferry is the island's only link.\n\nThe ferry crosses the bay twice a day. It leaves at noon."
    kb = askdefector.KnowledgeBase.from_documents([askdefector.Document("f", "Ferry", text)], cache_dir=tmp_path)
    quote = kb.ask("What time does it leave?").quotes[0]
    assert quote.text == "The ferry crosses the bay twice a day. It leaves at noon."
    assert text[quote.start : quote.end] == quote.text


def test_a_quote_takes_in_the_sentence_it_points_back_to_within_its_paragraph():
    texts = ["Oh ran south.", "He was shot five times.", "The guards fired.", "It was night.", "Seoul is far."]
    paragraphs = [1, 1, 1, 2, 2]
    sentences = {
        i: SentenceRecord(
            i, "d", paragraphs[i], 0, 0, text, (),
            before=i - 1 if i > 0 and paragraphs[i - 1] == paragraphs[i] else None,
            after=i + 1 if i + 1 < len(texts) and paragraphs[i + 1] == paragraphs[i] else None,
        )
        for i, text in enumerate(texts)
    }
    assert answer.quote_bounds(sentences, 1) == (0, 1)  # "He ..." needs the one before
    assert answer.quote_bounds(sentences, 0) == (0, 1)  # ... and is taken in after it
    assert answer.quote_bounds(sentences, 2) == (2, 2)  # "It ..." opens another paragraph
    assert answer.quote_bounds(sentences, 3) == (3, 3)
    assert answer.quote_bounds(sentences, 4) == (4, 4)


def test_questions_leave_the_callers_blas_threads_as_they_were(kb):
    """Answering runs NumPy's BLAS on one thread (it waited on onnxruntime's spinning threads),
    then gives a program using NumPy its threads back, after questions asked at once too."""
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    with threadpool_limits(limits=2, user_api="blas"):
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(kb.ask, ["how many times was he shot"] * 8))
        assert all(a.found for a in answers)
        assert blas_threads() and set(blas_threads()) == {2}
