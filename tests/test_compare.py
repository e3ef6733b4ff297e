"""Stage 7, sources side by side: values read from answer spans, compared, and said in one line."""

from __future__ import annotations

import pytest

from askdefector.compare import asks_for, compare, describe, holds, name_in, same, side_by_side, states, value_of
from askdefector.dates import dateline, iso
from askdefector.types import Quote

TEXTS = {
    "a": "Rescuers said at least five people were hurt on March 3, 2025.",
    "b": "Officials said 5 people were hurt on 3 March.",
    "c": "A spokesman said six people were hurt on March 4.",
    "d": "The damage is estimated at 8 million euros.",
    "e": "The fire burned for 14 hours before it was brought under control.",
    "f": "It broke out at about 9:30 p.m. on the third floor, the brigade said.",
    "g": "The alarm came at 21:30, firefighters said.",
    "h": "At least three of the 212 people on board were hurt, the mayor said.",
    "i": "Six people were hurt on March 4, 2025, the mayor said.",
    "j": "Repairs to the track are expected to cost 12 million kronor.",
    "k": "The train left the tracks about two kilometres south of the station.",
    "l": "He said the train was running at 80 km/h, below the line's limit.",
    "m": "The inspection was led by engineer Karin Dahl, the city said.",
    "n": "Karin Dahl, the engineer who found the crack, expects repairs to take four weeks.",
}


def quote(doc: str, answer: str, outlet: str, date: str = "") -> Quote:
    text = TEXTS[doc]
    start = text.index(answer)
    return Quote(text, doc, f"title {doc}", outlet, 1, 0, len(text), 1.0, f"{doc}#0", start, start + len(answer), date)


@pytest.mark.parametrize(
    "a, b, wanted",
    [
        ("five", "5", "number"),
        ("eleven years", "11 years", "number"),
        ("twenty-five", "25", "number"),
        ("two hundred and twelve", "212", "number"),
        ("a dozen", "12", "number"),
        ("an hour", "60 minutes", "number"),
        ("90 kilometres an hour", "90 km/h", "number"),
        ("€8 million", "8,000,000 euros", "number"),
        ("March 3, 2025", "3 March", "date"),
        ("Monday, March 3", "2025-03-03", "date"),
        ("11:40 p.m.", "23:40", "time"),
        ("Captain Elin Marsk", "Marsk", None),
        ("Norrvik Lines", "Norrvik Lines", None),
    ],
)
def test_the_same_value_in_other_words_agrees(a, b, wanted):
    assert same(value_of(a, wanted), value_of(b, wanted))


@pytest.mark.parametrize(
    "a, b, wanted",
    [
        ("212", "230", "number"),
        ("two hours", "90 minutes", "number"),
        ("March 3, 2025", "March 4", "date"),
        ("1972", "October 11, 2024", "date"),
        ("11:40 p.m.", "11:15 p.m.", "time"),
        ("Maria Sand", "Per Lindqvist", None),
    ],
)
def test_different_values_differ(a, b, wanted):
    assert not same(value_of(a, wanted), value_of(b, wanted))


def test_a_span_without_the_kind_asked_for_is_not_compared():
    assert value_of("a spokeswoman", None) is None  # no name, nothing to compare
    assert value_of("The coast guard", None) is None  # a capital that opens a sentence is no name
    assert value_of("10:15 p.m.", "number") is None  # a time of day is no count or distance
    assert value_of("Friday", "time") is None
    assert asks_for("How many times was he shot?") == "number"
    assert asks_for("At what time did it sink?") == "time" and asks_for("When did it sink?") == "date"


def test_an_answer_holding_two_counts_is_left_out_of_the_comparison():
    """Which of "three of the 212" answers, the span doesn't say: it neither agrees nor differs."""
    quotes = [quote("a", "five", "Gazette"), quote("h", "three of the 212", "Post"), quote("b", "5", "Wire")]
    agreement = compare("How many people were hurt?", quotes, [TEXTS[q.doc_id] for q in quotes])
    assert describe(agreement) == "Gazette and Wire agree: 5 (Gazette: at least five)"
    dated = [quote("a", "five", "Gazette"), quote("i", "Six people were hurt on March 4, 2025", "Post")]
    assert compare("How many people were hurt?", dated, [TEXTS[q.doc_id] for q in dated]).kind == "differ"  # a date is no count


def test_numbers_of_different_measures_are_no_comparison():
    quotes = [quote("d", "8 million euros", "Radio"), quote("e", "14 hours", "Signal")]
    assert compare("How much damage did the fire cause?", quotes, [TEXTS[q.doc_id] for q in quotes]) is None
    quotes = [quote("d", "8 million euros", "Radio"), quote("j", "12 million kronor", "Wire")]
    assert compare("How much will the repairs cost?", quotes, [TEXTS[q.doc_id] for q in quotes]) is None  # no exchange rate
    quotes = [quote("k", "two kilometres", "Times"), quote("l", "80 km/h", "Radio")]
    assert compare("How far did it go?", quotes, [TEXTS[q.doc_id] for q in quotes]) is None  # a speed is no distance
    assert not same(value_of("80 mph", "number"), value_of("80 km/h", "number"))
    counted = [quote("a", "five", "Gazette"), quote("d", "8 million euros", "Radio"), quote("c", "six", "Wire")]
    agreement = compare("How many people were hurt?", counted, [TEXTS[q.doc_id] for q in counted])
    assert describe(agreement) == "Sources differ: at least five (Gazette), six (Wire)"


def test_a_sentence_is_read_to_corroborate_only_when_it_states_a_value_of_the_kind():
    count, time, day = value_of("More than 60", "number"), value_of("9:45 p.m.", "time"), value_of("March 3", "date")
    assert states("Sixty-five firefighters were called to the scene.", count)
    assert not states("The fire started at 9:45 p.m.", count)  # a time of day is no count
    assert not states("The damage is estimated at 8 million euros.", count)  # nor an amount of money
    assert states("It broke out at about 9:30 p.m.", time) and not states("It broke out on Friday.", time)
    assert states("It ran aground on 3 March.", day) and states("It was built in 1998.", day)
    assert not states("It ran aground on Friday.", day)
    holder = value_of("Karin Dahl", None)
    assert states("Karin Dahl, the engineer, expects four weeks.", holder) and states("Dahl said so.", holder)
    assert not states("The dahlias bloomed.", holder) and not states("Karin Berg said so.", holder)
    assert holds("The train was running at 80 km/h.", "number") and not holds("It left at 7:15 a.m.", "number")
    assert holds("It left at 7:15 a.m.", "time") and holds("It was built in 1972.", "date") and not holds("On Tuesday.", "date")


def test_a_name_is_found_inside_a_span_that_runs_on_past_it():
    """The span a second outlet's sentence is marked with, narrowed to the first answer's name."""
    driver = value_of("Anders Holm, 41", None)
    text = "Train driver Anders Holm had been driving trains for nine years."
    found = name_in(text, driver)
    assert found is not None and text[found[0] : found[1]] == "Anders Holm"
    assert name_in("The holm oak stood by the line.", driver) is None  # the word, not the name
    assert name_in("Anders Berg had been driving trains.", driver) is None
    assert name_in("The fire at the Lindqvist Paper warehouse.", value_of("Per Lindqvist", None)) is None  # a company


def test_agreeing_sources_are_said_in_their_own_words_with_the_qualifier():
    quotes = [quote("a", "five", "Gazette"), quote("b", "5", "Wire")]
    agreement = compare("How many people were hurt?", quotes, [TEXTS[q.doc_id] for q in quotes])
    assert agreement.kind == "agree" and len(agreement.values) == 1
    assert describe(agreement) == "Gazette and Wire agree: 5 (Gazette: at least five)"
    dated = [quote("a", "five", "Gazette"), quote("i", "Six people were hurt on March 4, 2025", "Post")]
    assert compare("How many people were hurt?", dated, [TEXTS[q.doc_id] for q in dated]).kind == "differ"  # a date is no count
    (first, second) = agreement.values[0]
    assert TEXTS["a"][first.start : first.end] == first.text == "at least five" and second.quote == 1


def test_a_date_time_or_name_is_shown_without_the_words_the_span_runs_on_into():
    quotes = [quote("a", "March 3, 2025.", "Gazette"), quote("b", "3 March.", "Wire")]
    agreement = compare("When were people hurt?", quotes, [TEXTS[q.doc_id] for q in quotes])
    assert describe(agreement) == "Gazette and Wire agree: 3 March (Gazette: March 3, 2025)"
    timed = [quote("f", "9:30 p.m. on the third floor", "Radio"), quote("g", "21:30, firefighters", "Signal")]
    agreement = compare("What time did it break out?", timed, [TEXTS[q.doc_id] for q in timed])
    assert describe(agreement) == "Radio and Signal agree: 21:30 (Radio: about 9:30 p.m.)"
    (first, _), = agreement.values
    assert TEXTS["f"][first.start : first.end] == first.text
    named = [quote("m", "engineer Karin Dahl", "City Post"), quote("n", "Karin Dahl", "River News")]
    agreement = compare("Who led the inspection?", named, [TEXTS[q.doc_id] for q in named])
    assert describe(agreement) == "City Post and River News agree: Karin Dahl"  # not "(City Post: engineer Karin Dahl)"


def test_differing_sources_are_each_named_with_their_value():
    quotes = [quote("a", "five", "Gazette"), quote("b", "5", "Wire"), quote("c", "six", "Radio")]
    agreement = compare("How many people were hurt?", quotes, [TEXTS[q.doc_id] for q in quotes])
    assert agreement.kind == "differ"
    assert describe(agreement) == "Sources differ: at least five (Gazette and Wire), six (Radio)"


def test_one_source_or_one_article_is_no_comparison():
    quotes = [quote("a", "five", "Gazette"), Quote(TEXTS["b"], "b", "t", "Wire", 1, 0, len(TEXTS["b"]), 1.0, "b#0")]
    assert compare("How many people were hurt?", quotes, [TEXTS[q.doc_id] for q in quotes]) is None  # b marks no answer
    unmarked_first = [Quote(TEXTS["b"], "b", "t", "Wire", 1, 0, len(TEXTS["b"]), 1.0, "b#0"), quote("a", "five", "G"), quote("c", "six", "R")]
    assert compare("How many people were hurt?", unmarked_first, [TEXTS[q.doc_id] for q in unmarked_first]) is None
    twice = [quote("a", "five", "Gazette"), quote("a", "March 3, 2025", "Gazette")]
    assert compare("How many people were hurt?", twice, [TEXTS["a"]] * 2) is None


def test_dated_sources_are_listed_oldest_first():
    quotes = [quote("c", "March 4", "Radio", "2025-03-05"), quote("a", "March 3, 2025", "Gazette", "2025-03-04")]
    ordered, agreement = side_by_side("When did it happen?", quotes, TEXTS)
    assert [q.outlet for q in ordered] == ["Gazette", "Radio"] and agreement.kind == "differ"
    assert [s.quote for values in agreement.values for s in values] == [0, 1]  # indices follow the new order
    undated = [quote("c", "March 4", "Radio", "2025-03-05"), quote("a", "March 3, 2025", "Gazette")]
    assert [q.outlet for q in side_by_side("When did it happen?", undated, TEXTS)[0]] == ["Radio", "Gazette"]


def test_dates_from_a_header_or_a_dateline():
    assert iso("March 4, 2025") == "2025-03-04" and iso("4 March 2025") == "2025-03-04" and iso("2025-03-04") == "2025-03-04"
    assert iso("spring 2025") == "spring 2025"  # kept as written when it is no whole date
    assert dateline("SKARHOLM, March 4, 2025 — All 212 passengers ...") == "2025-03-04"
    assert dateline("SEOUL, South Korea, 13 May 2019 — It was a dash") == "2019-05-13"
    assert dateline("SEOUL, South Korea — It was a dash for freedom") == ""
    assert dateline("On March 4, 2025 — a Tuesday — it sank.") == ""
