"""Fast question embedding: the same model exported once to ONNX, run with onnxruntime.

Importing sentence-transformers (and torch) costs seconds; a single question should not. When the
cache is built, a mean-pooling sentence-transformers model is exported next to its vectors
(``model-int8.onnx`` + ``tokenizer.json``) and checked against the original on probe texts;
questions are then embedded with onnxruntime and tokenizers only. Any other model keeps the
original path. The weights are stored as 8-bit integers (one scale per output channel): a quarter
of the file, so a one-question run loads it in about half the time; the vectors stay within
``MIN_COSINE_INT8`` of the original's, else the full-precision export is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# onnxruntime's native library otherwise records every process that imports it (a device id,
# the Python path, the OS) under ~/.cache/Microsoft/DeveloperTools; it reads this before import.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

FORMAT = 3  # 2: onnx.json records each file's size, time and SHA-256; 3: 8-bit weights
META = "onnx.json"
PROBES = (
    "How many times was he shot?",
    "Panmunjom, the truce village, on Nov. 13, 2017 at 6:30 p.m. ET.",
    "A longer sentence about a soldier who ran across the border while his comrades fired at him.",
)
MIN_COSINE = 0.9999  # the exported model must agree with the original at least this well
MIN_COSINE_INT8 = 0.98  # ... and with 8-bit weights (measured on the gold questions: 0.985 at worst, 0.994 on average)


class OnnxEncoder:
    """Unit-length float32 vectors from an exported model; loads on first use."""

    def __init__(self, folder: Path, model_id: str, meta: dict | None = None) -> None:
        self.folder = folder
        self.model_id = model_id
        meta = meta or json.loads((folder / META).read_text("utf-8"))
        self.max_length = int(meta["max_length"])
        self._onnx_file = folder / meta["onnx"]
        self._session = None
        self._tokenizer = None
        self.threads = 1  # threads within one encode (0: one per core): a question's dozen word pieces gain nothing from more

    @classmethod
    def find(cls, folder: Path, model_id: str) -> tuple[OnnxEncoder | None, str]:
        """The encoder exported into ``folder`` for ``model_id`` if one is there and intact, and
        what is wrong with it if one is there but damaged (else "")."""
        try:
            meta = json.loads((folder / META).read_bytes())
        except FileNotFoundError:
            return None, ""
        except (OSError, ValueError) as exc:
            return None, f"{META} is unreadable ({exc})"
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("model") != model_id:
            return None, ""  # another format or model: not ours to judge, export again
        name = str(meta.get("onnx", ""))
        if name != Path(name).name or name.startswith("."):  # never a path out of the folder
            return None, f"{META} names an unsafe file {name!r}"
        for file in (name, "tokenizer.json"):
            problem = _check_file(folder / file, (meta.get("files") or {}).get(file))
            if problem:
                return None, f"{file} {problem}"
        return cls(folder, model_id, meta), ""

    def _load(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        if self.threads:
            options.intra_op_num_threads = self.threads
        self._session = onnxruntime.InferenceSession(str(self._onnx_file), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_length)
        tokenizer.enable_padding()
        self._tokenizer = tokenizer

    def _hidden(self, texts: Sequence[str]):
        """The tokens and the model's last hidden state of one batch, with its attention mask."""
        if self._session is None:
            self._load()
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return encodings, self._session.run(None, feeds)[0], mask

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        out = []
        for i in range(0, len(texts), batch_size):
            _, hidden, mask = self._hidden(texts[i : i + batch_size])
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
            out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.ascontiguousarray(np.concatenate(out), dtype=np.float32)


def export(st_model, folder: Path, model_id: str) -> OnnxEncoder | None:
    """Export a loaded SentenceTransformer (Transformer + mean Pooling [+ Normalize]) into ``folder``.

    Returns None, writing nothing, when the model has another shape or the export disagrees.
    """
    import torch

    modules = list(st_model)
    names = [type(m).__name__ for m in modules]
    if names[:2] != ["Transformer", "Pooling"] or not set(names[2:]) <= {"Normalize"}:
        return None
    pooling = modules[1]
    mode = getattr(pooling, "pooling_mode", None)  # sentence-transformers >= 6
    if mode is None and hasattr(pooling, "get_pooling_mode_str"):
        mode = pooling.get_pooling_mode_str()
    if mode != "mean":
        return None
    transformer = modules[0]
    hf_model, hf_tokenizer = transformer.auto_model, transformer.tokenizer
    max_length = int(st_model.max_seq_length)
    if not getattr(hf_tokenizer, "is_fast", False):
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".onnx-") as tmp:
        tmp_path = Path(tmp)
        sample = hf_tokenizer(list(PROBES), padding=True, return_tensors="pt")
        names_in = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

        class Wrapper(torch.nn.Module):
            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, *args):
                return self.model(**dict(zip(names_in, args))).last_hidden_state

        axes = {n: {0: "batch", 1: "tokens"} for n in names_in}
        axes["hidden"] = {0: "batch", 1: "tokens"}
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on tracing are not for users
            torch.onnx.export(
                Wrapper(hf_model.eval()),
                tuple(sample[n] for n in names_in),
                str(tmp_path / "model.onnx"),
                input_names=names_in,
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        hf_tokenizer.backend_tokenizer.save(str(tmp_path / "tokenizer.json"))
        reference = st_model.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True)
        _quantize(tmp_path / "model.onnx", tmp_path / "model-int8.onnx")
        for name, least in (("model-int8.onnx", MIN_COSINE_INT8), ("model.onnx", MIN_COSINE)):
            files = {file: _file_record(tmp_path / file) for file in (name, "tokenizer.json")}
            meta = {"format": FORMAT, "model": model_id, "onnx": name, "max_length": max_length, "files": files}
            (tmp_path / META).write_text(json.dumps(meta))
            if float((OnnxEncoder(tmp_path, model_id).encode(PROBES) * reference).sum(1).min()) >= least:
                break
        else:
            return None
        # model and tokenizer first, the meta file last: it is what makes the export visible
        for file in (name, "tokenizer.json", META):
            os.replace(tmp_path / file, folder / file)
        stale = {"model.onnx", "model-int8.onnx"} - {name}  # an earlier format's model
        for file in stale:
            (folder / file).unlink(missing_ok=True)
    return OnnxEncoder(folder, model_id)


def _quantize(source: Path, target: Path) -> None:
    """``source`` with its weights as 8-bit integers, one scale per output channel; activations
    are quantised as they come (dynamic), so no calibration data is needed."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    def quiet(record: logging.LogRecord) -> bool:  # its advice to pre-process the model is not for users
        return record.levelno >= logging.ERROR

    # It logs through the root logger, whose first use installs a handler (logging.basicConfig):
    # that handler would go on printing every library's debug lines in the user's process.
    root = logging.getLogger()
    handlers = list(root.handlers)
    root.addFilter(quiet)
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.removeFilter(quiet)
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_record(path: Path) -> dict[str, object]:
    stat = path.stat()
    return {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": _sha256(path)}


def _check_file(path: Path, record: object) -> str:
    """What is wrong with an exported file against its record, or "". The hash is computed only
    when the size matches but the time does not (a copy, or a change of the same size)."""
    if not isinstance(record, dict):
        return "has no record in " + META
    try:
        stat = path.stat()
    except OSError:
        return "is missing"
    if stat.st_size != record.get("bytes"):
        return f"has {stat.st_size} bytes, not {record.get('bytes')}"
    if stat.st_mtime_ns != record.get("mtime_ns") and _sha256(path) != record.get("sha256"):
        return "does not match its recorded SHA-256"
    return ""
