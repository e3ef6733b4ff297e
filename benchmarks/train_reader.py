"""Train the reader (src/askdefector/reader/) on SQuAD v1.1's training set, export it, calibrate it.

    python benchmarks/train_reader.py --write

One command, seed 0, on 2 CPU cores in under an hour (a GPU is used when present):

1. Examples. ``QUESTIONS`` training questions are drawn (seeded) among those whose answer occurs
   once in its paragraph and inside one sentence (askdefector's own sentence splitter). Each gives
   the sentence holding the answer (a positive, with its answer span) and hard negatives: the
   sentences of the same article that askdefector's sentence evidence (cosine + 0.7 x IDF-weighted
   word coverage) ranks highest without holding the answer, from its own paragraph and from the
   article's other paragraphs (an on-topic question the text doesn't answer). A sentence that
   points back ("He", "It" ...) is read with the one before it, as the engine reads it. With
   ``--swapped``, also a question the answer sentence no longer answers (the shape of many of
   SQuAD 2.0's unanswerable questions): a name or number of the question that the sentence holds
   is swapped for another of the article's that it lacks ("What year did Bell die?" -> "What
   year did Edison die?"), paired with that sentence as a negative. (Not in the shipped reader:
   on 2 cores here it adds 9,476 pairs and trains at about 17 pairs a second, too slow to build
   and measure in one session; see docs/answers.md.)
2. Training. all-MiniLM-L6-v2 (the shipped weights) with two heads: the [CLS] state gives the
   logit that the candidate answers; each token's state gives answer start and end scores. One
   epoch, AdamW, linear decay; the word embeddings stay frozen (their update costs time and buys
   nothing at this size).
3. Export. ONNX, weights as 8-bit integers; the 8-bit model is checked against PyTorch on
   ``CHECK_PAIRS`` held-out pairs (the full-precision file is kept if it disagrees).
4. Figures on training articles held out from 1 (``HOLDOUT`` articles): the right sentence
   first, the span's exact match and F1, and how well the answer sentence's probability tells a
   question as written from the same question with a name swapped (AUROC).
5. Calibration (Platt scaling) and the decline threshold, fitted on the calibration half of
   ``squad-v2.0-dev-a.json`` by article (benchmarks/calibrate_reader.py), the engine asking every
   question in the open setting; benchmarks/squad.py reports the other half.

With ``--write`` the model, tokenizer and reader.json (hashes, calibration, figures) replace the
shipped ones; without it they go to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import askdefector  # noqa: E402
from askdefector import answer as answering  # noqa: E402
from askdefector import reader as reading  # noqa: E402
from askdefector.analyzer import Analyzer  # noqa: E402
from askdefector.lexical import _bm25s_stopwords  # noqa: E402
from askdefector.onnx_encoder import _sha256 as sha256  # noqa: E402
from askdefector.passages import sentence_spans  # noqa: E402

SEED = 0
QUESTIONS = 18000  # training questions drawn
SAME_PARAGRAPH = 2  # hard negatives from the answer's own paragraph
OTHER_PARAGRAPHS = 2  # ... and from the article's other paragraphs
HOLDOUT = 8  # training articles kept out of training, for the figures step 4 prints
BATCH = 32
LEARNING_RATE = 5e-5
HEAD_LEARNING_RATE = 5e-4
WARMUP = 0.05
SPAN_WEIGHT = 0.5
CHECK_PAIRS = 256
DEFAULT_TRAIN = ROOT.parent / "shared" / "train" / "squad-v1.1-train.json"
DEFAULT_CALIBRATE = ROOT.parent / "shared" / "bench" / "squad-v2.0-dev-a.json"


def normalize(text: str) -> str:
    from squad import normalize_answer

    return normalize_answer(text)


def read_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each sentence as the engine reads it: from the sentence before when it points back."""
    out = []
    for i, (s, e) in enumerate(spans):
        back = i > 0 and (
            answering.REFERS_BACK.match(text[s:e]) is not None or answering.leaves_quote_open(text[spans[i - 1][0] : spans[i - 1][1]])
        )
        out.append((spans[i - 1][0] if back else s, e))
    return out


def load_articles(path: Path):
    """Per article: its title, and per paragraph its text, sentence spans, read spans and questions."""
    articles = []
    for article in json.loads(path.read_text("utf-8"))["data"]:
        paragraphs = []
        for p in article["paragraphs"]:
            text = p["context"]
            spans = sentence_spans(text)
            paragraphs.append((text, spans, read_spans(text, spans), p["qas"]))
        articles.append((article["title"].replace("_", " "), paragraphs))
    return articles


def draw_questions(articles, held: set[int], count: int, rng: random.Random):
    """(article, paragraph, sentence, question, answer start, answer text) for ``count`` usable
    training questions: answer once in its paragraph, inside one sentence."""
    usable = []
    for a, (_, paragraphs) in enumerate(articles):
        if a in held:
            continue
        for p, (_, spans, _, qas) in enumerate(paragraphs):
            for qa in qas:
                answer = qa["answers"][0]
                start, answer_text = answer["answer_start"], answer["text"]
                if answer.get("occurrences_in_context", 1) != 1 or not answer_text.strip():
                    continue
                inside = [i for i, (s, e) in enumerate(spans) if s <= start and start + len(answer_text) <= e]
                if inside:
                    usable.append((a, p, inside[0], qa["question"], start, answer_text))
    rng.shuffle(usable)
    return usable[:count]


NAME = re.compile(r"\b[A-Z][\w'’.-]*\w(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w'’.-]*\w)*")
NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
LEADING_ARTICLE = re.compile(r"^(?:The|A|An)\s+")
POSSESSIVE = re.compile(r"['’]s$")


def bare_name(name: str) -> str:
    return POSSESSIVE.sub("", LEADING_ARTICLE.sub("", name))


def mentions(text: str) -> tuple[list[str], list[str]]:
    """The names (capitalised runs that don't open a sentence) and numbers of an article's text."""
    names, numbers = set(), set()
    for m in NAME.finditer(text):
        before = text[: m.start()].rstrip()
        if before and before[-1] not in ".!?\"“":
            names.add(bare_name(m.group()))
    numbers.update(m.group() for m in NUMBER.finditer(text))
    return sorted(n for n in names if len(n) > 1), sorted(numbers)


def swapped(question: str, sentence: str, names: list[str], numbers: list[str], rng: random.Random) -> str | None:
    """The question with one of its names or numbers that ``sentence`` holds replaced by one of
    the article's that it lacks (a number by one of as many digits), or None when there is none."""
    spots = [(m.start(), m.start() + len(bare_name(m.group())), bare_name(m.group()), names) for m in NAME.finditer(question)]
    spots = [s for s in spots if s[0] > 0]  # a question's first word is capitalised anyway
    spots += [(m.start(), m.end(), m.group(), numbers) for m in NUMBER.finditer(question)]
    spots = [s for s in spots if s[2] in sentence]
    rng.shuffle(spots)
    for start, end, was, pool in spots:
        shape = (lambda x: (len(x), x.isdigit())) if pool is numbers else (lambda x: 0)
        choices = [x for x in pool if x not in sentence and x not in was and was not in x and shape(x) == shape(was)]
        if choices:
            return question[:start] + rng.choice(choices) + question[end:]
    return None


class Evidence:
    """askdefector's sentence evidence within one article (cosine + 0.7 x IDF-weighted coverage)."""

    def __init__(self, articles, encoder, analyzer: Analyzer):
        self.analyzer = analyzer
        self.index = {}  # (article, paragraph, sentence) -> row
        texts = []
        for a, (_, paragraphs) in enumerate(articles):
            for p, (text, spans, _, _) in enumerate(paragraphs):
                for s, (x, y) in enumerate(spans):
                    self.index[(a, p, s)] = len(texts)
                    texts.append(text[x:y])
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = encoder.encode([texts[i] for i in order], batch_size=128)
        self.vectors = np.empty_like(vectors)
        self.vectors[order] = vectors
        self.terms = [set(t) for t in analyzer.terms_of(texts)]
        self.normalized = [f" {normalize(t)} " for t in texts]
        self.idf = {}
        for a, (_, paragraphs) in enumerate(articles):
            rows = [self.index[(a, p, s)] for p, par in enumerate(paragraphs) for s in range(len(par[1]))]
            df = Counter(t for r in rows for t in self.terms[r])
            n = len(rows)
            self.idf[a] = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}


def make_examples(articles, drawn, evidence: Evidence, encoder, swap: bool = False):
    """Training pairs: (question, candidate text as read, text offset, label, answer char span or
    None); with ``swap``, also each question with a name or number swapped, against its answer sentence."""
    vectors = encoder.encode([q for *_, q, _, _ in drawn], batch_size=128)
    rows_of = {}  # article -> [(paragraph, sentence, row)]
    for (a, pp, ss), row in evidence.index.items():
        rows_of.setdefault(a, []).append((pp, ss, row))
    examples = []
    rng = random.Random(SEED + 3)
    mentioned = {}
    for (a, p, s, question, start, answer_text), qv in zip(drawn, vectors):
        title, paragraphs = articles[a]
        if a not in mentioned:
            mentioned[a] = mentions(" ".join(par[0] for par in paragraphs))
        q_terms = evidence.analyzer.terms_of([question])[0]
        gold = f" {normalize(answer_text)} "
        members = rows_of[a]
        cosines = evidence.vectors[[row for *_, row in members]] @ qv
        scored = []
        for (pp, ss, row), cosine in zip(members, cosines.tolist()):
            if (pp, ss) == (p, s):
                continue
            _, spans, reads, _ = paragraphs[pp]
            first = evidence.index[(a, pp, ss if reads[ss][0] == spans[ss][0] else ss - 1)]  # read from the one before
            if gold.strip() and (gold in evidence.normalized[row] or gold in evidence.normalized[first]):
                continue  # holds the answer's words: not a clean negative
            score = cosine + answering.COVERAGE_WEIGHT * answering.coverage(q_terms, evidence.terms[row], evidence.idf[a])
            scored.append((-score, pp, ss))
        scored.sort()
        same = [(pp, ss) for _, pp, ss in scored if pp == p][:SAME_PARAGRAPH]
        other = [(pp, ss) for _, pp, ss in scored if pp != p][:OTHER_PARAGRAPHS]
        text, spans, reads, _ = paragraphs[p]
        x, y = reads[s]
        candidate, offset = reading.candidate_text(title, text[x:y])
        a0 = offset + start - x
        examples.append((question, candidate, offset, 1, (a0, a0 + len(answer_text))))
        changed = swapped(question, text[x:y], *mentioned[a], rng) if swap else None
        if changed is not None:
            examples.append((changed, candidate, offset, 0, None))
        for pp, ss in same + other:
            text, _, reads, _ = paragraphs[pp]
            x, y = reads[ss]
            candidate, offset = reading.candidate_text(title, text[x:y])
            examples.append((question, candidate, offset, 0, None))
    return examples


def tensors(tokenizer, batch):
    """Padded ids, mask, token types, labels, start/end token targets (-100: none) and answer masks."""
    import torch

    encodings = reading.encode_batch(tokenizer, [(q, c) for q, c, *_ in batch])
    starts, ends, masks = [], [], []
    for enc, (_, _, offset, _, span) in zip(encodings, batch):
        mask = reading.answer_mask(enc, offset)
        masks.append(mask)
        first = last = -100
        if span is not None:
            inside = [t for t, (x, y) in enumerate(enc.offsets) if mask[t] and x < span[1] and y > span[0]]
            if inside and enc.offsets[inside[0]][0] <= span[0] + 1 and enc.offsets[inside[-1]][1] >= span[1] - 1:
                first, last = inside[0], inside[-1]
        starts.append(first)
        ends.append(last)
    as_tensor = lambda rows: torch.tensor(np.array(rows), dtype=torch.long)  # noqa: E731
    return (
        as_tensor([e.ids for e in encodings]),
        as_tensor([e.attention_mask for e in encodings]),
        as_tensor([e.type_ids for e in encodings]),
        torch.tensor([b[3] for b in batch], dtype=torch.float32),
        torch.tensor(starts),
        torch.tensor(ends),
        torch.tensor(np.array(masks)),
    )


def build_model(path: str):
    import torch
    from transformers import AutoModel

    class ReaderModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(path)
            width = self.encoder.config.hidden_size
            self.dropout = torch.nn.Dropout(0.1)
            self.answers = torch.nn.Linear(width, 1)
            self.span = torch.nn.Linear(width, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            logit = self.answers(self.dropout(hidden[:, 0])).squeeze(-1)
            start, end = self.span(self.dropout(hidden)).unbind(-1)
            return logit, start, end

    return ReaderModel()


def train(model, tokenizer, examples, device, log=print):
    import torch

    rng = random.Random(SEED)
    order = list(range(len(examples)))
    rng.shuffle(order)
    # batches of similar length (sorted within runs of 50 batches), in random order: less padding
    size = lambda i: len(examples[i][0]) + len(examples[i][1])  # noqa: E731
    runs = [sorted(order[i : i + 50 * BATCH], key=size) for i in range(0, len(order), 50 * BATCH)]
    batches = [run[i : i + BATCH] for run in runs for i in range(0, len(run), BATCH)]
    rng.shuffle(batches)
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    heads = [*model.answers.parameters(), *model.span.parameters()]
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith(("answers", "span"))]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": LEARNING_RATE}, {"params": heads, "lr": HEAD_LEARNING_RATE}], weight_decay=0.01
    )
    steps = len(batches)
    warm = max(1, int(WARMUP * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: min((k + 1) / warm, max(0.0, (steps - k) / (steps - warm))))
    model.to(device).train()
    began = time.time()
    total = 0.0
    for k, batch in enumerate(batches):
        ids, mask, types, labels, starts, ends, masks = (t.to(device) for t in tensors(tokenizer, [examples[i] for i in batch]))
        logit, start, end = model(ids, mask, types)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logit, labels)
        has_span = starts >= 0
        if has_span.any():
            start = start.masked_fill(~masks, -1e4)[has_span]
            end = end.masked_fill(~masks, -1e4)[has_span]
            span_loss = (
                torch.nn.functional.cross_entropy(start, starts[has_span]) + torch.nn.functional.cross_entropy(end, ends[has_span])
            ) / 2
            loss = loss + SPAN_WEIGHT * span_loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        total += loss.item()
        if (k + 1) % 100 == 0 or k + 1 == steps:
            rate = (k + 1) * BATCH / (time.time() - began)
            log(f"  step {k + 1}/{steps}: loss {total / 100:.4f}, {rate:.1f} pairs/s")
            total = 0.0
    model.eval()


def export(model, tokenizer_file: Path, out: Path, check_examples) -> dict:
    """Write reader.onnx (8-bit weights, or full precision if 8-bit disagrees) and tokenizer.json into ``out``."""
    import torch

    from askdefector.onnx_encoder import _quantize

    model = model.to("cpu").eval()
    tokenizer = reading.make_tokenizer(tokenizer_file)
    ids, mask, types, *_ = tensors(tokenizer, check_examples)
    with tempfile.TemporaryDirectory(dir=out, prefix=".export-") as tmp:
        tmp = Path(tmp)
        with torch.no_grad():
            reference = [t.numpy() for t in model(ids, mask, types)]
            torch.onnx.export(
                model,
                (ids[:2], mask[:2], types[:2]),
                str(tmp / "reader-fp32.onnx"),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["logit", "start", "end"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask", "token_type_ids", "start", "end")}
                | {"logit": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
        _quantize(tmp / "reader-fp32.onnx", tmp / "reader.onnx")
        import onnxruntime

        agreement = {}
        for name in ("reader.onnx", "reader-fp32.onnx"):
            session = onnxruntime.InferenceSession(str(tmp / name), providers=["CPUExecutionProvider"])
            got = session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "token_type_ids": types.numpy()})
            sure = np.abs(reference[0]) > 1.0
            agreement[name] = {
                "same_side": float(np.mean(np.sign(got[0][sure]) == np.sign(reference[0][sure]))),
                "max_logit_diff": float(np.abs(got[0] - reference[0]).max()),
                "correlation": float(np.corrcoef(got[0], reference[0])[0, 1]),
            }
            if agreement[name]["same_side"] >= 0.98 and agreement[name]["correlation"] >= 0.99:
                break
        shutil.copy(tokenizer_file, tmp / "tokenizer.json")
        os.replace(tmp / name, out / name)
        os.replace(tmp / "tokenizer.json", out / "tokenizer.json")
    return {"onnx": name, "agreement": agreement}


def held_out_figures(reader: reading.Reader, articles, held: list[int], limit: int = 600) -> dict:
    """On training articles kept out of training: each usable question against every sentence of
    its paragraph: the right sentence first, and where it is, the span's exact match and F1."""
    from squad import normalize_answer, token_f1

    rng = random.Random(SEED + 1)
    drawn = draw_questions(articles, set(range(len(articles))) - set(held), 10**9, rng)[:limit]
    first = em = f1 = 0
    swap_rng = random.Random(SEED + 4)
    mentioned = {a: mentions(" ".join(par[0] for par in articles[a][1])) for a in held}
    kept, refused = [], []  # the answer sentence's probability, asked as written and with a name swapped
    for a, p, s, question, _, answer_text in drawn:
        title, paragraphs = articles[a]
        text, spans, reads, _ = paragraphs[p]
        readings = reader.read(question, [(title, text[x:y]) for x, y in reads])
        changed = swapped(question, text[reads[s][0] : reads[s][1]], *mentioned[a], swap_rng)
        if changed is not None:
            kept.append(readings[s].probability)
            refused.append(reader.read(changed, [(title, text[reads[s][0] : reads[s][1]])])[0].probability)
        best = max(range(len(reads)), key=lambda i: readings[i].probability)
        if best == s:
            first += 1
            span = readings[best].span
            got = normalize_answer(text[reads[best][0] :][span[0] : span[1]]) if span else ""
            gold = normalize_answer(answer_text)
            em += got == gold
            f1 += token_f1(got, answer_text)
    n = max(1, len(drawn))
    from squad import auroc

    return {
        "questions": len(drawn),
        "sentence_first": first / n,
        "span_em": em / max(1, first),
        "span_f1": f1 / max(1, first),
        "swapped_questions": len(refused),
        "swapped_auroc": auroc(np.array(kept + refused), np.array([True] * len(kept) + [False] * len(refused))) if refused else None,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN)
    parser.add_argument("--calibrate", type=Path, default=DEFAULT_CALIBRATE, help="SQuAD 2.0 file to calibrate on (its calibration half)")
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--swapped", action="store_true", help="add the swapped-name negatives (step 1); not in the shipped reader")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / ".cache" / "reader", help="where the model goes without --write")
    parser.add_argument("--write", action="store_true", help="replace the shipped reader (src/askdefector/reader/)")
    parser.add_argument("--skip-training", action="store_true", help="calibrate the model already in --out (or shipped, with --write)")
    args = parser.parse_args(argv)
    out = reading.FOLDER if args.write else args.out
    out.mkdir(parents=True, exist_ok=True)
    began = time.time()

    import torch

    torch.manual_seed(SEED)
    random.seed(SEED)
    np.random.seed(SEED)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    from askdefector.embeddings import resolve_model

    model_path, _ = resolve_model(askdefector.embeddings.DEFAULT_MODEL)
    meta_path = out / reading.META
    meta = json.loads(meta_path.read_text()) if args.skip_training else {}
    if not args.skip_training:
        from sentence_transformers import SentenceTransformer

        from askdefector.onnx_encoder import export as export_encoder

        print(f"reading {args.train} ...", flush=True)
        articles = load_articles(args.train)
        rng = random.Random(SEED)
        held = sorted(rng.sample(range(len(articles)), HOLDOUT))
        drawn = draw_questions(articles, set(held), args.questions, rng)
        print(f"{len(articles)} articles ({HOLDOUT} held out), {len(drawn)} questions drawn; {time.time() - began:.0f} s", flush=True)
        st = SentenceTransformer(model_path, device="cpu")
        with tempfile.TemporaryDirectory() as tmp:
            encoder = export_encoder(st, Path(tmp), "reader-training")
            evidence = Evidence(articles, encoder, Analyzer(_bm25s_stopwords()))
            examples = make_examples(articles, drawn, evidence, encoder, swap=args.swapped)
        del st
        positives = sum(e[3] for e in examples)
        print(f"{len(examples)} pairs ({positives} answering); {time.time() - began:.0f} s", flush=True)
        tokenizer_file = Path(model_path) / "tokenizer.json"
        tokenizer = reading.make_tokenizer(tokenizer_file)
        model = build_model(model_path)
        train(model, tokenizer, examples, device)
        print(f"trained; {time.time() - began:.0f} s", flush=True)
        check_examples = random.Random(SEED + 2).sample(examples, CHECK_PAIRS)
        exported = export(model, tokenizer_file, out, check_examples)
        meta = {
            "format": reading.FORMAT,
            "onnx": exported["onnx"],
            "files": {n: sha256(out / n) for n in (exported["onnx"], "tokenizer.json")},
            "calibration": {"scale": 1.0, "shift": 0.0},
            "threshold": 0.5,
            "training": {
                "data": args.train.name,
                "data_sha256": sha256(args.train),
                "seed": SEED,
                "questions": len(drawn),
                "pairs": len(examples),
                "swapped_negatives": args.swapped,
                "held_out_articles": [articles[a][0] for a in held],
                "export_agreement": exported["agreement"],
                "seconds": round(time.time() - began),
            },
        }
        meta_path.write_text(json.dumps(meta, indent=1))
        figures = held_out_figures(reading.Reader(out, meta), articles, held)
        meta["training"]["held_out"] = figures
        print("held-out training articles:", json.dumps(figures), flush=True)
        meta_path.write_text(json.dumps(meta, indent=1))
    if args.calibrate and args.calibrate.exists():
        from calibrate_reader import calibrate

        meta.update(calibrate(reading.Reader(out, meta), args.calibrate))
        print("calibration:", json.dumps(meta["calibrated"]), flush=True)
    tmp = meta_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(meta, indent=1))
    os.replace(tmp, meta_path)
    print(f"wrote {out}; {time.time() - began:.0f} s in all", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
