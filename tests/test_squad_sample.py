"""A small, fast slice of the SQuAD benchmark: on one article askdefector must beat both baselines."""

import sys
from pathlib import Path

import pytest

import askdefector

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "bench" / "squad-v1.1-dev-a.json"
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.mark.skipif(not SQUAD.exists(), reason="the SQuAD file is not beside the repository")
def test_fusion_beats_bm25_and_dense_on_one_article(tmp_path):
    import squad

    documents, questions = squad.load_squad(SQUAD, titles=["Warsaw"])
    kb = askdefector.KnowledgeBase.from_documents(documents, cache_dir=tmp_path)
    kb.reader = None  # stage 5: the ranking and its quotes against the baselines; the reader is measured by benchmarks/squad.py
    table = squad.evaluate(kb, questions)
    ours, bm25, dense = (table[s] for s in squad.SYSTEMS)
    for baseline in (bm25, dense):
        assert ours["recall_at"][1] > baseline["recall_at"][1]
        assert ours["mrr@10"] > baseline["mrr@10"]
    assert ours["mean_quote_chars"] < min(bm25["mean_quote_chars"], dense["mean_quote_chars"])


def test_squad_normalisation_matches_the_official_rules():
    import squad

    assert squad.normalize_answer("The  Denver Broncos!") == "denver broncos"
    assert squad.contains_answer("They beat the Denver Broncos, 24-10.", ["Denver Broncos"])
    assert not squad.contains_answer("They beat Denverites.", ["Denver"])
