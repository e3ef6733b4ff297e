"""The learned answer check (stage 6): its model file, its tree evaluation and its use in ``ask``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from askdefector import check


def _tiny(**overrides) -> dict:
    """A one-tree model: feature 0 <= 0.5 goes left (-1), else right (+1)."""
    model = {
        "format": check.FORMAT,
        "features": list(check.FEATURES),
        "depth": 1,
        "calibration": [1.0, 0.0],
        "decline_below": 0.5,
        "trees": [{"feature": [0, -1, -1], "threshold": [0.5, 0, 0], "left": [1, 0, 0], "right": [2, 0, 0], "value": [0, -1.0, 1.0]}],
    }
    return {**model, **overrides}


def test_trees_are_walked_as_lightgbm_does():
    x = np.zeros((3, len(check.FEATURES)))
    x[:, 0] = [0.2, 0.5, 0.7]  # a value equal to the threshold goes left, as in LightGBM
    checker = check.Checker(_tiny())
    assert checker.raw(x).tolist() == [-1.0, -1.0, 1.0]
    p = checker.probability(x)
    assert p[2] > 0.5 > p[0] and np.isclose(p[0] + p[2], 1.0)


def test_a_model_for_other_features_is_refused():
    with pytest.raises(ValueError, match="another version"):
        check.Checker(_tiny(features=["cosine"]))
    with pytest.raises(ValueError, match="another version"):
        check.Checker(_tiny(format=check.FORMAT + 1))


def test_the_shipped_model_is_plain_json_with_its_training_figures():
    model = json.loads(check.MODEL_FILE.read_text(encoding="utf-8"))
    assert model["features"] == list(check.FEATURES)
    held_out = model["training"]["held_out"]
    assert 0 < held_out["auroc"] <= 1 and 0 <= held_out["unanswerable_declined"] <= 1
    assert check.shipped() is not None


def test_features_name_what_the_question_asks_that_the_sentence_lacks():
    question = check.read_question("Why did the two Smiths not win in 1999?", ["smith", "win", "1999"], None)
    assert question.negated and question.names == ("smiths",) and set(question.numbers) == {"two", "1999"}

    def view(text, terms):
        return check.CandidateView(text, terms, text, terms, terms, 0.5, 1.0, 1.0, 0.5, 1.0, 0, 0.0)

    rows = check.features(question, [view("The two Smiths won in 1999.", {"smith", "win", "1999"}), view("They lost.", {"lost"})], {}, 10)
    column = {name: rows[:, i] for i, name in enumerate(check.FEATURES)}
    assert column["missing"].tolist() == [0, 3]
    assert column["sentence_missing_numbers"].tolist() == [0, 2]
    assert column["sentence_missing_names"].tolist() == [0, 1]
    assert column["question_negated"].tolist() == [1, 1]


@pytest.fixture()
def checked(kb):
    kb.checker = check.shipped()
    yield kb
    kb.checker = None


def test_with_the_check_quotes_are_ordered_by_its_probability(checked):
    for question in ("how many times was he shot", "What is the capital of France?", "Who drove the jeep?"):
        answer = checked.ask(question)
        scores = [q.score for q in answer.quotes]
        assert answer.quotes and scores == sorted(scores, reverse=True)
        assert 0 <= answer.confidence <= 1 and answer.confidence == scores[0]
        assert answer.found == (answer.confidence >= checked.checker.threshold_found)
        for quote in answer.quotes:
            assert checked.document(quote.doc_id).text[quote.start : quote.end] == quote.text


def test_the_check_is_off_unless_asked_for(kb):
    assert kb.checker is None
    assert kb.ask("how many times was he shot").confidence == pytest.approx(
        float(kb.passage_scores("how many times was he shot").sentence.max())
    )
