"""Sources side by side on the committed set (tests/sources/, tests/gold_sources.py), end to end
with the real model and reader; `python benchmarks/sources.py --gold` prints each question's line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import askdefector
from askdefector.compare import asks_for, describe, value_of
from askdefector.render import answer_dict

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1] / "benchmarks")]
from gold_sources import SOURCE_QUESTIONS  # noqa: E402
from sources import labelled  # noqa: E402

SOURCES = Path(__file__).resolve().parent / "sources"


@pytest.fixture(scope="module")
def sources_kb(tmp_path_factory):
    return askdefector.open(SOURCES, cache_dir=tmp_path_factory.mktemp("sources"))


@pytest.fixture(scope="module")
def asked(sources_kb):
    return [(q, label, sources_kb.ask(q)) for q, label, _ in SOURCE_QUESTIONS]


# A floor at the measured figure (15 of 23, docs/measured.md; issue 25's target is 0.85): the
# reader marks the answer in too few of the other outlets' sentences for more.
LABELLED_RIGHT_RATE = 0.65


def test_sources_are_labelled_right(asked):
    right = [q for q, label, answer in asked if labelled(answer) == label]
    assert len(right) / len(asked) >= LABELLED_RIGHT_RATE, [(q, label, labelled(a)) for q, label, a in asked if q not in right]


def test_never_agree_where_the_sources_differ(asked):
    wrong = [(q, describe(a.agreement)) for q, label, a in asked if label == "differ" and labelled(a) == "agree"]
    assert not wrong


def test_the_line_is_made_of_the_articles_own_text(asked, sources_kb):
    """Every value on the line is a verbatim slice of the quote's article, in that quote."""
    checked = 0
    for _, _, answer in asked:
        if answer.agreement is None:
            continue
        data = answer_dict(answer)
        assert data["agreement"] == answer.agreement.kind and data["agreement_line"] == describe(answer.agreement)
        for statements in answer.agreement.values:
            for s in statements:
                quote = answer.quotes[s.quote]
                assert sources_kb.document(quote.doc_id).text[s.start : s.end] == s.text
                assert quote.start <= s.start and s.end <= quote.end and s.source in describe(answer.agreement)
                checked += 1
    assert checked


def test_dated_quotes_come_oldest_first(asked):
    for _, _, answer in asked:
        if answer.agreement is not None:
            dates = [answer.quotes[s.quote].date for statements in answer.agreement.values for s in statements]
            members = sorted(s.quote for statements in answer.agreement.values for s in statements)
            assert all(dates) and [answer.quotes[i].date for i in members] == sorted(dates)


def test_a_question_for_a_number_date_or_time_is_answered_first_by_a_quote_marking_one(asked, sources_kb):
    """When any quote marks an answer of the kind asked ("how many": a number), the first does."""
    checked = 0
    for question, _, answer in asked:
        wanted = asks_for(question)
        if wanted is None or not answer.found:
            continue
        kinds = []
        for quote in answer.quotes:
            marked = quote.answer_start is not None and value_of(
                sources_kb.document(quote.doc_id).text[quote.answer_start : quote.answer_end], wanted
            )
            kinds.append(bool(marked) and marked.kind == wanted)
        if any(kinds):
            assert kinds[0], (question, [q.text for q in answer.quotes])
            checked += 1
    assert checked



BRIDGE = {
    "city-post.md": "---\ntitle: Bridge closed after crack found\noutlet: City Post\ndate: 2025-02-01\n---\n"
    "The Elm Street bridge was closed at 6:15 a.m. on Friday after inspectors found a crack in one of its beams.\n\n"
    "The inspection was led by engineer Karin Dahl, who said the bridge would stay shut for a month.\n\n"
    "About 9,000 cars cross the bridge each day.\n",
    "river-news.md": "---\ntitle: Elm Street bridge shut for repairs\noutlet: River News\ndate: 2025-02-02\n---\n"
    "Drivers face detours after the city shut the Elm Street bridge.\n\n"
    "Police stopped the traffic at about 6 a.m.\n\n"
    "Karin Dahl, the engineer who found the crack, expects repairs to take four weeks.\n\n"
    "The bridge opened in 1961.\n",
}


@pytest.fixture(scope="module")
def bridge_kb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bridge")
    for name, text in BRIDGE.items():
        (folder / name).write_text(text, encoding="utf-8")
    return askdefector.open(folder, cache_dir=folder / "cache")


def test_a_name_or_a_time_is_corroborated_from_a_sentence_in_other_words(bridge_kb):
    """The second outlet's sentences share few of the question's words ("led the inspection",
    "closed") but name the same engineer, or give a time of day: each is read, and the line says
    whether the outlets agree."""
    answer = bridge_kb.ask("Who led the inspection?")
    assert answer.agreement is not None, [q.text for q in answer.quotes]
    assert describe(answer.agreement) == "City Post and River News agree: Karin Dahl"
    answer = bridge_kb.ask("What time was the bridge closed?")
    assert answer.agreement is not None and answer.agreement.kind == "differ", [q.text for q in answer.quotes]
    assert "(City Post)" in describe(answer.agreement) and "about 6 a.m. (River News)" in describe(answer.agreement)
    assert labelled(bridge_kb.ask("How many cars cross the bridge?")) == "one"
