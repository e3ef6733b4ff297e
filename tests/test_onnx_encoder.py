"""The ONNX question path must give the original model's vectors and rankings, without torch."""

import subprocess
import sys

import numpy as np

from askdefector.embeddings import SentenceTransformerEmbedder
from askdefector.onnx_encoder import MIN_COSINE_INT8, OnnxEncoder

from conftest import CORPUS
from gold import ANSWERABLE, UNANSWERABLE

QUESTIONS = [q for q, _ in ANSWERABLE] + UNANSWERABLE


def test_knowledge_base_uses_the_exported_model(kb):
    assert isinstance(kb.query_encoder, OnnxEncoder)


def test_question_vectors_match_sentence_transformers(kb):
    original = SentenceTransformerEmbedder().encode(QUESTIONS)
    exported = kb.query_encoder.encode(QUESTIONS)
    cosines = (original * exported).sum(axis=1)  # 8-bit weights: measured 0.985 at worst, 0.994 on average
    assert cosines.min() >= MIN_COSINE_INT8 and cosines.mean() >= 0.99


def test_rankings_barely_move(kb):
    """8-bit weights may swap close passages, never lose the best ones (measured on the 80 gold
    questions: the same first passage for 78, at least 4 of the same top 5 for all)."""
    original = SentenceTransformerEmbedder()
    same_first = 0
    for question in QUESTIONS:
        fast = kb.passage_scores(question).fused
        kb._recent[question] = original.encode([question])[0]  # the same question, original vector
        slow = kb.passage_scores(question).fused
        kb._recent.pop(question)
        same_first += np.argmax(fast) == np.argmax(slow)
        assert len(set(np.argsort(-fast)[:5]) & set(np.argsort(-slow)[:5])) >= 4, question
    assert same_first >= 0.9 * len(QUESTIONS)


def test_a_question_on_a_built_cache_never_imports_torch_bm25s_or_scipy(kb, kb_cache):
    code = (
        "import sys, askdefector\n"
        f"kb = askdefector.open({str(CORPUS)!r}, cache_dir={str(kb_cache)!r})\n"
        "answer = kb.ask('how many times was he shot')\n"
        "assert answer.found, answer\n"
        "heavy = ('torch', 'sentence_transformers', 'transformers', 'bm25s', 'scipy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_forged_export_metadata_is_refused(kb, tmp_path):
    import json
    import shutil

    folder = tmp_path / "onnx"
    shutil.copytree(kb.query_encoder.folder, folder)
    meta = json.loads((folder / "onnx.json").read_text())
    assert OnnxEncoder.find(folder, kb.embedder.model_id)[0] is not None
    assert OnnxEncoder.find(folder, "another-model") == (None, "")
    (folder / "onnx.json").write_text(json.dumps({**meta, "onnx": "../onnx/model.onnx"}))
    found, damage = OnnxEncoder.find(folder, kb.embedder.model_id)
    assert found is None and "unsafe" in damage


def test_exporting_leaves_the_processs_logging_alone(tmp_path):
    """onnxruntime's quantiser logs through the root logger, which installs a handler on first use;
    left there, it would print every library's debug lines in the user's program."""
    code = (
        "import logging, askdefector\n"
        f"kb = askdefector.open({str(CORPUS)!r}, cache_dir={str(tmp_path)!r})\n"
        "assert type(kb.query_encoder).__name__ == 'OnnxEncoder', kb.report.warnings\n"
        "print(logging.getLogger().handlers)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert "pre-processing" not in result.stderr
