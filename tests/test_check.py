"""The learned answer check (stage 6): its model file, its tree evaluation and its use in ``ask``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from askdefector import align, check


def _tiny(**overrides) -> dict:
    """A one-tree model: feature 0 <= 0.5 goes left (-1), else right (+1)."""
    model = {
        "depth": 1,
        "calibration": [1.0, 0.0],
        "decline_below": 0.5,
        "trees": [{"feature": [0, -1, -1], "threshold": [0.5, 0, 0], "left": [1, 0, 0], "right": [2, 0, 0], "value": [0, -1.0, 1.0]}],
    }
    return {**model, **overrides}


def _file(**overrides) -> dict:
    data = {"format": check.FORMAT, "features": list(check.FEATURES), "models": {"confidence": _tiny(), "decides": _tiny()}}
    return {**data, **overrides}


def test_trees_are_walked_as_lightgbm_does():
    x = np.zeros((3, len(check.FEATURES)))
    x[:, 0] = [0.2, 0.5, 0.7]  # a value equal to the threshold goes left, as in LightGBM
    checker = check.Checker(_tiny())
    assert checker.raw(x).tolist() == [-1.0, -1.0, 1.0]
    p = checker.probability(x)
    assert p[2] > 0.5 > p[0] and np.isclose(p[0] + p[2], 1.0)
    assert not checker.reads_tokens  # feature 0 is not the soft word match


def test_a_model_for_other_features_is_refused():
    assert check.Check.from_dict(_file()).decides.threshold_found == 0.5
    with pytest.raises(ValueError, match="another version"):
        check.Check.from_dict(_file(features=["cosine"]))
    with pytest.raises(ValueError, match="another version"):
        check.Check.from_dict(_file(format=check.FORMAT + 1))


def test_the_shipped_models_are_plain_json_with_their_training_figures():
    data = json.loads(check.MODEL_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(check.FEATURES) and data["training"]["questions"] > 0
    for name in ("confidence", "decides"):
        held_out = data["models"][name]["held_out"]
        assert 0 < held_out["auroc"] <= 1 and 0 <= held_out["unanswerable_declined"] <= 1
    shipped = check.shipped()
    assert shipped is not None
    # the default's confidence needs no token pass of the model; the deciding check reads the soft match
    assert not shipped.confidence.reads_tokens and shipped.decides.reads_tokens


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
    kb.check_decides = True
    yield kb
    kb.check_decides = False


def test_with_the_check_quotes_are_ordered_by_its_probability(checked):
    for question in ("how many times was he shot", "What is the capital of France?", "Who drove the jeep?"):
        answer = checked.ask(question)
        scores = [q.score for q in answer.quotes]
        assert answer.quotes and scores == sorted(scores, reverse=True)
        assert 0 <= answer.confidence <= 1 and answer.confidence == scores[0]
        assert answer.found == (answer.confidence >= checked.checker.decides.threshold_found)
        for quote in answer.quotes:
            assert checked.document(quote.doc_id).text[quote.start : quote.end] == quote.text


def test_by_default_the_check_judges_stage_5s_first_quote(kb, monkeypatch):
    assert kb.checker is check.shipped() and not kb.check_decides
    question = "how many times was he shot"
    quotes, x = kb.candidates(question)  # stage 5's order
    model = kb.checker.confidence

    def no_token_pass(texts):
        raise AssertionError("the default confidence ran the model over every candidate")

    monkeypatch.setattr(kb.query_encoder, "token_vectors", no_token_pass)
    answer = kb.ask(question)
    assert [q.text for q in answer.quotes][:1] == [quotes[0].text]
    assert answer.confidence == pytest.approx(float(model.probability(x[:1])[0]))
    assert answer.found and not answer.low_confidence and answer.confidence >= model.threshold_found


def test_a_doubtful_answer_is_shown_as_such(kb):
    answer = kb.ask("Was the soldier married?")  # the articles don't say; stage 5 quotes "As a soldier and the son of a general"
    assert answer.found and answer.low_confidence and answer.confidence < kb.checker.confidence.threshold_found
    from askdefector.render import LOW_CONFIDENCE, answer_dict, format_answer

    assert format_answer(answer).startswith(LOW_CONFIDENCE) and answer_dict(answer)["low_confidence"] is True


def test_without_a_check_for_its_model_the_confidence_is_the_cosine(kb):
    checker, kb.checker = kb.checker, None
    try:
        assert kb.ask("how many times was he shot").confidence == pytest.approx(
            float(kb.passage_scores("how many times was he shot").sentence.max())
        )
    finally:
        kb.checker = checker
    assert check.for_model("another/model") is None


def _unit(rows):
    v = np.asarray(rows, dtype=float)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_the_soft_match_finds_the_question_word_no_sentence_word_comes_near():
    # question content tokens "jeep" and "color" ("what", "?" and [CLS] are left out)
    question = (["[CLS]", "what", "jeep", "color", "?"], _unit([[1, 1, 1], [0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 1]]))
    both = (["[CLS]", "green", "jeep", "[SEP]"], _unit([[1, 1, 0], [0, 1, 0.1], [1, 0.1, 0], [1, 1, 1]]))
    half = (["[CLS]", "jeep", "[SEP]"], _unit([[0, 0, 1], [1, 0, 0], [0, 0, 1]]))
    rows = align.alignment(question, [both, half])
    column = {name: rows[:, i] for i, name in enumerate(align.FEATURES)}
    assert column["align_min"][0] > 0.9 and column["align_min"][1] == pytest.approx(0.0)
    assert column["align_below_05"].tolist() == [0, 1]
    assert column["align_mean_gap"][0] == 0 and column["align_mean_gap"][1] > 0.4
    assert align.alignment(question, []).shape == (0, len(align.FEATURES))


def test_the_model_matches_a_readers_word_to_the_articles(kb):
    tokens = kb.query_encoder.token_vectors(["What vehicle did he drive?", "He drove a jeep.", "The talks ended at noon."])
    for words, vectors in tokens:
        assert words[0] == "[CLS]" and words[-1] == "[SEP]" and len(words) == len(vectors)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    jeep, talks = align.alignment(tokens[0], tokens[1:])
    assert jeep[0] > talks[0]  # align_mean
