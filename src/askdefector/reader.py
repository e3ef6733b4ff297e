"""Stage 6: the reader, a cross-encoder that reads the question together with each candidate sentence.

It gives the probability that the sentence answers the question (calibrated on SQuAD 2.0
articles it was not trained on) and where the answer sits inside it. The model is MiniLM
fine-tuned here on SQuAD v1.1's training set (``benchmarks/train_reader.py`` builds it) and ships
in the package as an 8-bit ONNX file beside its tokenizer; ``reader.json`` records each file's
SHA-256, checked before the model is loaded, and the calibration. No torch at question time.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .onnx_encoder import _sha256 as sha256  # also sets ORT_DISABLE_TELEMETRY before onnxruntime loads

FORMAT = 1
FOLDER = Path(__file__).with_name("reader")
META = "reader.json"
MAX_TOKENS = 96  # question and candidate together; a longer candidate is cut at its end
MAX_QUESTION_TOKENS = 40
MAX_ANSWER_TOKENS = 24  # the longest answer span the reader marks
TITLE_CHARS = 60  # the candidate is read after its article's title, cut to about this long
SEPARATOR = " | "


class ReaderError(Exception):
    """The shipped reader is missing or damaged."""


@dataclass(frozen=True)
class Reading:
    """What the reader makes of one candidate: the probability that it answers the question and
    the answer's character span inside the candidate's text (None when it has none)."""

    probability: float
    span: tuple[int, int] | None


def candidate_text(title: str, text: str) -> tuple[str, int]:
    """What the reader reads for a candidate: its article's title (cut), then the text; and where
    the text starts in it. Training and answering share this, so the model sees one format."""
    title = " ".join(title.split())
    if len(title) > TITLE_CHARS:
        cut = title[: TITLE_CHARS + 1]
        title = cut.rsplit(" ", 1)[0] if " " in cut else cut[:TITLE_CHARS]
    prefix = f"{title}{SEPARATOR}" if title else ""
    return prefix + text, len(prefix)


class Tokenizers(NamedTuple):
    """The word-piece tokenizer twice: for pairs, with the reader's truncation (``MAX_TOKENS``, the
    candidate cut first), and plain, to cut a long question beforehand."""

    pairs: object
    plain: object


def make_tokenizer(path: Path) -> Tokenizers:
    """The reader's tokenizers from a ``tokenizer.json``."""
    from tokenizers import Tokenizer

    pairs = Tokenizer.from_file(str(path))
    pairs.enable_truncation(MAX_TOKENS, strategy="only_second")
    pairs.enable_padding()
    return Tokenizers(pairs, Tokenizer.from_file(str(path)))


def encode_batch(tokenizers: Tokenizers, pairs: Sequence[tuple[str, str]]):
    """The encodings of (question, text) pairs, each question cut to ``MAX_QUESTION_TOKENS``."""
    cut = {}
    for question, _ in pairs:
        if question not in cut:
            ids = tokenizers.plain.encode(question, add_special_tokens=False).ids
            cut[question] = tokenizers.plain.decode(ids[:MAX_QUESTION_TOKENS]) if len(ids) > MAX_QUESTION_TOKENS else question
    return tokenizers.pairs.encode_batch([(cut[q], t) for q, t in pairs])


def answer_mask(encoding, text_start: int) -> np.ndarray:
    """Which tokens may hold the answer: those of the candidate's text, not the question or title."""
    return np.array(
        [seq == 1 and off[0] >= text_start and off[1] > off[0] for seq, off in zip(encoding.sequence_ids, encoding.offsets)],
        dtype=bool,
    )


def best_span(start: np.ndarray, end: np.ndarray, mask: np.ndarray) -> tuple[int, int] | None:
    """The token span (first, last) with the highest start + end score, at most ``MAX_ANSWER_TOKENS`` long."""
    if not mask.any():
        return None
    s = np.where(mask, start, -np.inf)
    e = np.where(mask, end, -np.inf)
    n = len(s)
    total = s[:, None] + e[None, :]
    i, j = np.indices((n, n))
    total[(j < i) | (j - i >= MAX_ANSWER_TOKENS)] = -np.inf
    first, last = np.unravel_index(int(np.argmax(total)), total.shape)
    return int(first), int(last)


class Reader:
    """The shipped reader: ``read(question, [(title, text), ...])``. Loads on first use."""

    def __init__(self, folder: Path = FOLDER, meta: dict | None = None) -> None:
        self.folder = folder
        self.meta = meta if meta is not None else _load_meta(folder)
        calibration = self.meta["calibration"]
        self.scale, self.shift = float(calibration["scale"]), float(calibration["shift"])
        self.threshold = float(self.meta["threshold"])
        self.threads = 0  # candidates read at once, one core each (0: one per core); ``serve`` reads one at a time
        self._pool = None
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        import onnxruntime

        with self._lock:
            if self._session is not None:
                return
            for name in (self.meta["onnx"], "tokenizer.json"):
                _check_file(self.folder / name, self.meta["files"].get(name))
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            # One core a run: a candidate's few dozen tokens gain little from a second (about 6%),
            # while two candidates read at once, one on each core, take 0.6 of the time in turn.
            options.intra_op_num_threads = 1
            self._tokenizer = make_tokenizer(self.folder / "tokenizer.json")
            self._session = onnxruntime.InferenceSession(
                str(self.folder / self.meta["onnx"]), options, providers=["CPUExecutionProvider"]
            )

    def logits(self, question: str, texts: Sequence[str]):
        """The model's raw outputs for each (question, text) pair: answer logit, start and end
        scores per token, and the encodings."""
        if self._session is None:
            self._load()
        encodings = encode_batch(self._tokenizer, [(question, t) for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        logit, start, end = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        return logit, start, end, encodings

    def probability(self, logit: np.ndarray) -> np.ndarray:
        """The calibrated probability that a candidate answers, from the model's logit."""
        z = np.clip(self.scale * np.asarray(logit, dtype=np.float64) + self.shift, -30, 30)
        return 1.0 / (1.0 + np.exp(-z))

    def read(self, question: str, candidates: Sequence[tuple[str, str]]) -> list[Reading]:
        """Read each candidate (its article's title, its text) with the question, up to
        ``threads`` of them at once."""
        if self._session is None:
            self._load()
        workers = self.threads or os.cpu_count() or 1
        if workers == 1 or len(candidates) < 2:
            return [self._read_one(question, title, text) for title, text in candidates]
        with self._lock:
            if self._pool is None or self._pool[0] != os.getpid():  # a forked child has none of its threads
                self._pool = (os.getpid(), ThreadPoolExecutor(workers, thread_name_prefix="askdefector-reader"))
            pool = self._pool[1]
        return list(pool.map(lambda c: self._read_one(question, *c), candidates))

    def _read_one(self, question: str, title: str, text: str) -> Reading:
        # Each candidate is a batch of its own: the 8-bit model scales its activations per batch,
        # so a candidate read beside others would get a slightly different probability than alone.
        built, offset = candidate_text(title, text)
        logit, start, end, (enc,) = self.logits(question, [built])
        span = best_span(start[0], end[0], answer_mask(enc, offset))
        chars = None
        if span is not None:
            chars = (enc.offsets[span[0]][0] - offset, enc.offsets[span[1]][1] - offset)
        return Reading(float(self.probability(logit[0])), chars)


def _load_meta(folder: Path) -> dict:
    try:
        meta = json.loads((folder / META).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ReaderError(f"the reader's {folder / META} is unreadable ({exc}); reinstall askdefector") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ReaderError(f"the reader's {folder / META} is of another format; reinstall askdefector")
    name = str(meta.get("onnx", ""))
    if name != Path(name).name or name.startswith("."):
        raise ReaderError(f"the reader's {folder / META} names an unsafe file {name!r}")
    return meta


def _check_file(path: Path, digest: object) -> None:
    """Refuse a model file whose SHA-256 is not the one recorded when it was built."""
    try:
        actual = sha256(path)
    except OSError as exc:
        raise ReaderError(f"the reader's {path} is unreadable ({exc.strerror}); reinstall askdefector") from None
    if actual != digest:
        raise ReaderError(f"the reader's {path} does not match its recorded SHA-256; reinstall askdefector")


_shipped: Reader | None = None
_shipped_lock = threading.Lock()


def shipped() -> Reader | None:
    """The reader shipped in the package (one per process), or None when none ships."""
    global _shipped
    if not (FOLDER / META).exists():
        return None
    with _shipped_lock:
        if _shipped is None:
            _shipped = Reader()
        return _shipped
