"""Speed benchmark: each figure next to the baseline a user would otherwise have.

    python benchmarks/speed.py [--runs 7] [--squad ../shared/bench/squad-v1.1-dev-a.json] [--plot docs/scale.png]

Timings are medians over runs taken alternately with their baseline, in the same process or the
same loop, so the machine's noise hits both alike; the ratio is the figure to read.
1. single-shot: `askdefector "how many times was he shot"` as a whole process, cache built,
   against `python -c "import sentence_transformers"`; and the same on a folder of 1,000
   generated HTML pages (index built) against the shipped two articles;
2. chat: `kb.ask` in process on the shipped corpus, against the model's own `encode` of the
   same question (sentence-transformers);
3. indexing: texts embedded per second by the whole pipeline (fresh cache) against the model's
   raw `encode` of the same texts with the same batch size; and the time to open an unchanged
   index of 5,000+ passages.
4. scale: search time, open time and memory at 1,000 to 1,000,000 passages (benchmarks/scale.py).
5. with ``--e5``: the e5 option (``--model multilingual-e5-small``) against the default model,
   alternately: single-shot, ``kb.ask``, indexing the shipped corpus from an empty cache (whole
   process), and raw embedding of SQuAD texts.
6. with ``--reader``: ``kb.ask`` as shipped (the reader's confidence and spans), with the reader
   deciding and with stage 5 alone, alternately, on the shipped corpus (both gold sets' questions) and on SQuAD's paragraphs.
7. with ``--against REV``: ``kb.ask`` of this tree against another commit's (checked out in a
   temporary git worktree), each in a process of its own, the two taken alternately ``--runs``
   times, on the same questions as part 6: what a change costs, apart from the machine's noise.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import askdefector  # noqa: E402
import scale  # noqa: E402
from askdefector.embeddings import SentenceTransformerEmbedder  # noqa: E402

QUESTION = "how many times was he shot"


def timed_process(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t


def single_shot(runs: int, cache: Path) -> dict:
    exe = [sys.executable, "-m", "askdefector.cli", "--corpus", str(ROOT / "corpus"), "--cache", str(cache)]
    timed_process(exe + ["index"])  # the cache is built before timing
    ours, base = [], []
    for _ in range(runs):
        ours.append(timed_process(exe + [QUESTION]))
        base.append(timed_process([sys.executable, "-c", "import sentence_transformers"]))
    return {"ours_s": statistics.median(ours), "baseline_s": statistics.median(base)}


WORDS = (
    "harbour ferry council budget river bridge election mayor school teacher storm flood farmer price "
    "market train station museum painting hospital nurse doctor vaccine festival music street police "
    "court judge report minister village mountain forest fire rescue team league season coach player"
).split()


def html_folder(folder: Path, pages: int) -> Path:
    """``pages`` saved news pages with their furniture (navigation, footer), made once, seeded."""
    import random

    rng = random.Random(1000)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(pages):
        path = folder / f"page-{n:04}.html"
        if path.exists():
            continue
        paragraphs = [
            " ".join(" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(3)) for _ in range(2)
        ]
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        path.write_text(
            f"<html><head><title>Story {n} about the {rng.choice(WORDS)}</title>"
            f'<meta property="og:site_name" content="Daily {rng.choice(WORDS).title()}"></head><body>'
            f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article><h1>Story {n} about the "
            f"{rng.choice(WORDS)}</h1>{body}</article><footer>Copyright the Daily</footer></body></html>"
        )
    return folder


def folder_single_shot(runs: int, cache: Path, pages: int = 1000) -> dict:
    """Single-shot on ``pages`` generated HTML pages against the shipped corpus, alternately."""
    folder = html_folder(cache / f"html-{pages}", pages)
    big = [sys.executable, "-m", "askdefector", "--corpus", str(folder), "--cache", str(cache / f"html-{pages}-cache")]
    small = [sys.executable, "-m", "askdefector", "--corpus", str(ROOT / "corpus"), "--cache", str(cache / "corpus")]
    timed_process(big + ["index"])
    timed_process(small + ["index"])
    ours, base = [], []
    for _ in range(runs):
        ours.append(timed_process(big + ["when does the ferry leave the harbour"]))
        base.append(timed_process(small + [QUESTION]))
    return {"pages": pages, "ours_s": statistics.median(ours), "baseline_s": statistics.median(base)}


def chat(runs: int, cache: Path) -> dict:
    from gold import ANSWERABLE

    kb = askdefector.open(ROOT / "corpus", cache_dir=cache)
    model = SentenceTransformerEmbedder()
    questions = [q for q, _ in ANSWERABLE]
    model.encode(questions[:2])  # load and warm both
    kb.ask(questions[0])
    ours, base = [], []
    for _ in range(runs):
        for q in questions:
            kb._recent.clear()  # no remembered vectors: every ask embeds its question
            t = time.perf_counter()
            kb.ask(q)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            model.encode([q])
            base.append(time.perf_counter() - t)
    return {"ours_ms": 1000 * statistics.median(ours), "baseline_ms": 1000 * statistics.median(base)}


def reader_vs_stage5(runs: int, cache: Path, squad_path: Path) -> dict:
    """``kb.ask`` with the reader (the default) and with stage 5 alone, alternately, question by
    question: on the shipped corpus (both gold sets' questions) and on SQuAD's paragraphs (the
    first 200 questions)."""
    import gold
    import gold_blind
    import squad

    from askdefector import reader as reading

    documents, squad_questions = squad.load_squad(squad_path)
    sets = {
        "corpus": (askdefector.open(ROOT / "corpus", cache_dir=cache / "corpus"),
                   [q for s in (gold, gold_blind) for q, _ in s.ANSWERABLE] + list(gold_blind.UNANSWERABLE)),
        "squad": (askdefector.KnowledgeBase.from_documents(documents, cache_dir=cache / squad_path.stem),
                  [q for q, _, _ in squad_questions[:200]]),
    }
    shipped = reading.shipped()
    result = {}
    for name, (kb, questions) in sets.items():
        times: dict[str, list[float]] = {"reader": [], "decides": [], "stage5": []}
        kb.ask(questions[0])  # load and warm both
        for _ in range(runs):
            for q in questions:
                for engine, reader, decides in (("reader", shipped, False), ("decides", shipped, True), ("stage5", None, False)):
                    kb.reader, kb.reader_decides = reader, decides
                    kb._recent.clear()  # every ask embeds its question
                    t = time.perf_counter()
                    kb.ask(q)
                    times[engine].append(time.perf_counter() - t)
        kb.reader, kb.reader_decides = shipped, False
        result[name] = {engine: 1000 * statistics.median(t) for engine, t in times.items()}
        result[name]["passages"] = kb.report.passages
    return result


def ask_times(cache: Path, squad_path: Path) -> dict:
    """One process's ``kb.ask`` times (ms) on part 6's questions, after a warm-up: for ``--against``."""
    import gold
    import gold_blind
    import squad

    documents, squad_questions = squad.load_squad(squad_path)
    sets = {
        "corpus": (lambda: askdefector.open(ROOT / "corpus", cache_dir=cache / "corpus"),
                   [q for s in (gold, gold_blind) for q, _ in s.ANSWERABLE] + list(gold_blind.UNANSWERABLE)),
        "squad": (lambda: askdefector.KnowledgeBase.from_documents(documents, cache_dir=cache / squad_path.stem),
                  [q for q, _, _ in squad_questions[:200]]),
    }
    result = {}
    for name, (make, questions) in sets.items():
        kb = make()
        kb.ask(questions[0])
        times = []
        for q in questions:
            kb._recent.clear()  # every ask embeds its question
            t = time.perf_counter()
            kb.ask(q)
            times.append(1000 * (time.perf_counter() - t))
        result[name] = times
    result["source"] = str(Path(askdefector.__file__).resolve().parent)
    return result


def against(rev: str, runs: int, cache: Path, squad_path: Path) -> dict:
    """Part 7: this tree's ``kb.ask`` against commit ``rev``'s, in alternating processes; medians
    and means of each run (ms), and the ratio of their medians."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), rev], check=True, capture_output=True)
        try:
            trees = {"this tree": ROOT / "src", rev: base / "src"}
            runs_of: dict[str, list[dict]] = {name: [] for name in trees}
            for i in range(runs + 1):  # the first round builds each tree's caches and is not counted
                for name, src in trees.items():
                    out = subprocess.run(
                        [sys.executable, __file__, "--ask-times", "--cache", str(cache / ("this" if src == ROOT / "src" else "base")),
                         "--squad", str(squad_path)],
                        check=True, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(src)},
                    )
                    times = json.loads(out.stdout.splitlines()[-1])
                    if not Path(times["source"]).is_relative_to(src.resolve()):
                        raise SystemExit(f"the {name} process imported askdefector from {times['source']}, not {src}")
                    if i:
                        runs_of[name].append(times)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False, capture_output=True)
    result = {}
    for name, rounds in runs_of.items():
        result[name] = {s: {"medians": [round(statistics.median(r[s]), 2) for r in rounds],
                            "means": [round(statistics.mean(r[s]), 2) for r in rounds]} for s in ("corpus", "squad")}
    for s in ("corpus", "squad"):
        ours, theirs = result["this tree"][s]["medians"], result[rev][s]["medians"]
        result.setdefault("ratio of medians", {})[s] = round(statistics.median(ours) / statistics.median(theirs), 3)
    return result


def indexing(squad_path: Path, articles: int, cache: Path) -> dict:
    """The whole build from an empty vector cache. The ONNX export of the model is made once per
    model and cache folder, whatever the corpus size, so it is timed on its own and copied into
    each fresh cache before the build is timed."""
    import shutil

    import squad

    from askdefector.cache.vectors import VectorCache, embed_with_cache, model_folder_name

    documents, _ = squad.load_squad(squad_path, articles)
    model = SentenceTransformerEmbedder()
    from askdefector.indexing import build_index

    probe = build_index(documents, model)  # texts, no cache
    titled = [f"{probe.documents[p.doc_id].title}: {p.text}" for p in probe.passages]
    texts = list(dict.fromkeys(titled + probe.sentence_texts))
    export = cache / model_folder_name(model.model_id) / "onnx"
    t = time.perf_counter()
    askdefector.open(ROOT / "corpus", cache_dir=cache)  # makes the export if this cache lacks it
    export_s = time.perf_counter() - t
    ours, base = [], []
    for _ in range(2):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(export, Path(tmp) / model_folder_name(model.model_id) / "onnx")
            t = time.perf_counter()
            kb = askdefector.KnowledgeBase.from_documents(documents, cache_dir=tmp, embedder=model)
            ours.append(kb.report.embedded / (time.perf_counter() - t))
        t = time.perf_counter()
        model.model.encode(texts, batch_size=64, normalize_embeddings=True)
        base.append(len(texts) / (time.perf_counter() - t))
    with tempfile.TemporaryDirectory() as tmp:  # the same batches through the cache alone
        t = time.perf_counter()
        embed_with_cache(texts, model, VectorCache(tmp, model.model_id))
        cache_only = len(texts) / (time.perf_counter() - t)
    return {"texts": len(texts), "ours_per_s": statistics.median(ours), "raw_per_s": statistics.median(base),
            "cache_stage_per_s": cache_only, "first_open_with_export_s": export_s}


def open_time(squad_path: Path, cache: Path, copies: int, runs: int) -> dict:
    import squad

    documents, _ = squad.load_squad(squad_path)
    docs = [
        askdefector.Document(f"{d.id}~{c}", f"{d.title} (copy {c})", d.text)
        for c in range(1, copies + 1)
        for d in documents
    ]
    kb = askdefector.KnowledgeBase.from_documents(docs, cache_dir=cache)
    seconds = []
    for _ in range(runs):
        t = time.perf_counter()
        askdefector.KnowledgeBase.from_documents(docs, cache_dir=cache)
        seconds.append(time.perf_counter() - t)
    return {"passages": kb.report.passages, "open_s": statistics.median(seconds)}


def e5_vs_default(runs: int, cache: Path, squad_path: Path) -> dict:
    """Part 5: each figure of the e5 option next to the default model's, taken alternately."""
    import shutil

    import squad
    from gold import ANSWERABLE

    from askdefector.embeddings import E5_MODEL, make_embedder

    def cli(model: str, folder: Path) -> list[str]:
        return [sys.executable, "-m", "askdefector", "--corpus", str(ROOT / "corpus"), "--cache", str(folder), "--model", model]

    models = {"e5": E5_MODEL, "default": askdefector.DEFAULT_MODEL}
    times: dict[str, dict[str, list[float]]] = {m: {"single": [], "index": [], "ask": [], "raw": []} for m in models}
    for name, model in models.items():
        timed_process(cli(model, cache / name) + ["index"])
    for _ in range(runs):
        for name, model in models.items():
            times[name]["single"].append(timed_process(cli(model, cache / name) + [QUESTION]))
    for _ in range(max(1, runs // 2)):
        for name, model in models.items():
            fresh = cache / f"{name}-fresh"
            shutil.rmtree(fresh, ignore_errors=True)
            times[name]["index"].append(timed_process(cli(model, fresh) + ["index"]))
    kbs = {name: askdefector.open(ROOT / "corpus", cache_dir=cache / name, model=model) for name, model in models.items()}
    questions = [q for q, _ in ANSWERABLE]
    for kb in kbs.values():
        kb.ask(questions[0])
    for _ in range(max(1, runs // 3)):
        for q in questions:
            for name, kb in kbs.items():
                kb._recent.clear()
                t = time.perf_counter()
                kb.ask(q)
                times[name]["ask"].append(time.perf_counter() - t)
    documents, _ = squad.load_squad(squad_path, 1)
    texts = [d.text for d in documents][:64]
    embedders = {name: make_embedder(model) for name, model in models.items()}
    for e in embedders.values():
        e.encode(texts[:2])
    for _ in range(2):
        for name, e in embedders.items():
            t = time.perf_counter()
            e.encode(texts)
            times[name]["raw"].append(len(texts) / (time.perf_counter() - t))
    return {name: {k: statistics.median(v) for k, v in row.items()} for name, row in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "bench" / "squad-v1.1-dev-a.json")
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache" / "speed")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--scale-sizes", type=int, nargs="+", default=scale.SIZES, help="passages for part 4")
    parser.add_argument("--no-scale", action="store_true", help="skip part 4 (minutes the first time)")
    parser.add_argument("--plot", type=Path, help="PNG of part 4: search time and memory against passages")
    parser.add_argument("--e5", action="store_true", help="only part 5: the e5 option against the default model")
    parser.add_argument("--reader", action="store_true", help="only part 6: kb.ask with the reader and with stage 5 alone")
    parser.add_argument("--against", metavar="REV", help="only part 7: kb.ask of this tree against commit REV's")
    parser.add_argument("--ask-times", action="store_true", help=argparse.SUPPRESS)  # part 7's worker
    args = parser.parse_args(argv)
    if args.ask_times:
        print(json.dumps(ask_times(args.cache, args.squad)))
        return 0
    if args.against:
        r = against(args.against, args.runs, args.cache / "against", args.squad)
        if args.json:
            print(json.dumps(r, indent=2))
            return 0
        print(f"{'kb.ask, median of run medians (ms)':<36} {'this tree':>10} {args.against:>10} {'ratio':>6}")
        for s in ("corpus", "squad"):
            ours, theirs = (statistics.median(r[name][s]["medians"]) for name in ("this tree", args.against))
            print(f"{s:<36} {ours:>10.2f} {theirs:>10.2f} {r['ratio of medians'][s]:>6.3f}")
        return 0
    if args.reader:
        r = reader_vs_stage5(max(1, args.runs // 3), args.cache, args.squad)
        if args.json:
            print(json.dumps(r, indent=2))
            return 0
        print(f"{'kb.ask (median ms)':<34} {'default':>8} {'decides':>8} {'stage 5':>8} {'ratio':>6}")
        for name, row in r.items():
            label = f"{name} ({row['passages']:,} passages)"
            print(f"{label:<34} {row['reader']:>8.2f} {row['decides']:>8.2f} {row['stage5']:>8.2f} {row['reader'] / row['stage5']:>6.2f}")
        return 0
    if args.e5:
        r = e5_vs_default(args.runs, args.cache / "e5", args.squad)
        if args.json:
            print(json.dumps(r, indent=2))
            return 0
        e, d = r["e5"], r["default"]
        print(f"{'what':<44} {'e5':>10} {'default':>10} {'ratio':>7}")
        for key, label, unit in (("single", "single-shot answer, whole process (s)", 1), ("index", "index the shipped corpus, empty cache (s)", 1),
                                 ("ask", "chat: kb.ask (ms)", 1000), ("raw", "raw embedding, SQuAD paragraphs (texts/s)", 1)):
            print(f"{label:<44} {e[key] * unit:>10.3f} {d[key] * unit:>10.3f} {e[key] / d[key]:>7.3f}")
        return 0

    result = {
        "single_shot": single_shot(args.runs, args.cache / "corpus"),
        "folder": folder_single_shot(args.runs, args.cache),
        "chat": chat(max(1, args.runs // 3), args.cache / "corpus"),
    }
    if args.squad.exists():
        with tempfile.TemporaryDirectory() as tmp:
            result["indexing"] = indexing(args.squad, articles=2, cache=Path(tmp))
        result["open"] = open_time(args.squad, args.cache / "open", copies=3, runs=args.runs)
    if args.squad.exists() and not args.no_scale:
        result["scale"] = scale.measure(args.scale_sizes, scale.DATA, args.squad)
        if args.plot:
            scale.plot(result["scale"]["rows"], args.plot)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    s, c, f = result["single_shot"], result["chat"], result["folder"]
    print(f"{'what':<44} {'ours':>10} {'baseline':>10} {'ratio':>7}")
    print(f"{'single-shot answer, whole process (s)':<44} {s['ours_s']:>10.3f} {s['baseline_s']:>10.3f} {s['ours_s'] / s['baseline_s']:>7.3f}")
    label = f"  on {f['pages']:,} HTML pages vs the 2 articles (s)"
    print(f"{label:<44} {f['ours_s']:>10.3f} {f['baseline_s']:>10.3f} {f['ours_s'] / f['baseline_s']:>7.3f}")
    print(f"{'chat: kb.ask vs model encode (ms)':<44} {c['ours_ms']:>10.2f} {c['baseline_ms']:>10.2f} {c['ours_ms'] / c['baseline_ms']:>7.3f}")
    if "indexing" in result:
        i, o = result["indexing"], result["open"]
        print(f"{'indexing: texts/s vs raw encode':<44} {i['ours_per_s']:>10.1f} {i['raw_per_s']:>10.1f} {i['ours_per_s'] / i['raw_per_s']:>7.3f}")
        print(f"{'  cache stage alone: texts/s vs raw encode':<44} {i['cache_stage_per_s']:>10.1f} {i['raw_per_s']:>10.1f} {i['cache_stage_per_s'] / i['raw_per_s']:>7.3f}")
        print(f"{'open unchanged index, ' + str(o['passages']) + ' passages (s)':<44} {o['open_s']:>10.3f} {'':>10} {'':>7}")
        print(f"{'  one-time ONNX export, with a first open (s)':<44} {i['first_open_with_export_s']:>10.3f} {'':>10} {'':>7}")
    print("baselines: `python -c 'import sentence_transformers'`; SentenceTransformer.encode of the same question/texts")
    if "scale" in result:
        print()
        print(scale.table(result["scale"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
