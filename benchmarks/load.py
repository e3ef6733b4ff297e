"""Load on `askdefector serve`: one client alone, then 8 at once, loopback only, bounded.

    python benchmarks/load.py [--squad ../shared/bench/squad-v1.1-dev-a.json] [--clients 8] [--questions 200]

For each corpus (the shipped articles, and SQuAD's paragraphs written out as .txt files when
--squad is given) a real `askdefector serve` process starts on 127.0.0.1 and a free port. A
single client first asks every distinct (question, history) pair once, in order: its latencies
are the baseline and its answers the reference. Then ``--clients`` threads, each with its own
connection, ask ``--questions`` questions each (the same pairs, each client from its own starting
point) at once, and the single client runs again; the baseline median is taken over both single
runs. Every concurrent answer must equal the reference answer to the same pair: a mismatch means
clients' histories or state were mixed. The run stops by itself after ``--time-limit`` seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "load"
sys.path.insert(0, str(ROOT / "tests"))  # for gold.py

from gold import ANSWERABLE, UNANSWERABLE  # noqa: E402

Pair = tuple[str, tuple[str, ...]]


def shipped_pairs() -> list[Pair]:
    """The gold questions, every other one asked as a follow-up of the question before it."""
    questions = [q for q, _ in ANSWERABLE] + list(UNANSWERABLE)
    return [(q, (questions[i - 1],) if i % 2 else ()) for i, q in enumerate(questions)]


def squad_corpus(path: Path, limit: int) -> tuple[Path, list[Pair]]:
    """SQuAD's paragraphs as .txt files (written once) and up to ``limit`` of its questions."""
    folder = CACHE / f"{path.stem}-corpus"
    data = json.loads(path.read_text("utf-8"))["data"]
    questions = []
    folder.mkdir(parents=True, exist_ok=True)
    for article in data:
        title = article["title"].replace("_", " ")
        for n, paragraph in enumerate(article["paragraphs"], 1):
            name = re.sub(r"[^A-Za-z0-9]+", "-", article["title"]) + f"-{n:03d}.txt"
            text = f"---\ntitle: {title} {n}\n---\n{paragraph['context']}\n"
            if not (folder / name).is_file() or (folder / name).read_text("utf-8") != text:
                (folder / name).write_text(text, "utf-8")
            questions.extend(qa["question"] for qa in paragraph["qas"])
    step = max(1, len(questions) // limit)
    return folder, [(q, ()) for q in questions[::step][:limit]]


class Server:
    """`askdefector serve` in a child process on a free loopback port."""

    def __init__(self, corpus: Path, cache: Path) -> None:
        cli = [sys.executable, "-m", "askdefector.cli"]
        common = ["--corpus", str(corpus), "--cache", str(cache)]
        subprocess.run([*cli, "index", *common], check=True, stdout=subprocess.DEVNULL)
        self.process = subprocess.Popen([*cli, "serve", *common, "--port", "0"], stderr=subprocess.PIPE, text=True)
        for line in self.process.stderr:
            if "serving on http://" in line:
                self.host, port = line.split("http://", 1)[1].split("/", 1)[0].rsplit(":", 1)
                self.port = int(port)
                break
        else:
            raise SystemExit(f"askdefector serve ended with {self.process.wait()}")
        threading.Thread(target=self.process.stderr.read, daemon=True).start()  # keep draining

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def ask(conn: http.client.HTTPConnection, pair: Pair) -> tuple[float, int, dict | None]:
    """(seconds, status, answer) for one question over a kept-alive connection."""
    body = json.dumps({"question": pair[0], "history": list(pair[1])})
    start = time.perf_counter()
    conn.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - start
    return elapsed, response.status, json.loads(data) if response.status == 200 else None


def single(server: Server, pairs: list[Pair], deadline: float) -> tuple[list[float], dict[Pair, dict]]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    times, answers = [], {}
    for pair in dict.fromkeys(pairs):
        if time.monotonic() > deadline:
            break
        elapsed, status, answer = ask(conn, pair)
        times.append(elapsed)
        if answer is not None:
            answers[pair] = answer
    conn.close()
    return times, answers


def concurrent(server: Server, pairs: list[Pair], clients: int, per_client: int, deadline: float, reference: dict):
    times: list[float] = []
    counts = {"errors": 0, "mismatches": 0, "asked": 0}
    lock = threading.Lock()

    def client(c: int) -> None:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
        for i in range(per_client):
            if time.monotonic() > deadline:
                break
            pair = pairs[(c * 7 + i) % len(pairs)]
            try:
                elapsed, status, answer = ask(conn, pair)
            except (OSError, http.client.HTTPException, ValueError):
                with lock:
                    counts["errors"] += 1
                conn.close()
                conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
                continue
            with lock:
                counts["asked"] += 1
                times.append(elapsed)
                counts["errors"] += status != 200
                counts["mismatches"] += answer is not None and pair in reference and answer != reference[pair]
        conn.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, counts, time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(name: str, corpus: Path, pairs: list[Pair], args: argparse.Namespace) -> dict:
    deadline = time.monotonic() + args.time_limit
    server = Server(corpus, CACHE / f"{name}-cache")
    try:
        before, reference = single(server, pairs, deadline)
        load, counts, wall = concurrent(server, pairs, args.clients, args.questions, deadline, reference)
        after, _ = single(server, pairs, deadline)
    finally:
        server.stop()
    base = statistics.median(before + after)
    return {
        "corpus": name,
        "single_ms_median": 1000 * base,
        "clients": args.clients,
        "asked": counts["asked"],
        "p50_ms": 1000 * percentile(load, 0.5),
        "p95_ms": 1000 * percentile(load, 0.95),
        "p95_over_single": percentile(load, 0.95) / base,
        "per_s": counts["asked"] / wall,
        "errors": counts["errors"],
        "mismatches": counts["mismatches"],
        "complete": counts["asked"] + counts["errors"] == args.clients * args.questions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, help="a SQuAD v1.1 file: also load-test its paragraphs as a corpus")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--questions", type=int, default=200, help="questions per client")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds per corpus, after which clients stop")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    rows = [run("shipped", ROOT / "corpus", shipped_pairs(), args)]
    if args.squad:
        corpus, pairs = squad_corpus(args.squad, 200)
        rows.append(run(args.squad.stem, corpus, pairs, args))
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"{'corpus':22} {'single ms':>9} {'clients':>7} {'asked':>6} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p95/single':>10} {'q/s':>6} {'errors':>6} {'mixed':>5}")
    for r in rows:
        print(f"{r['corpus']:22} {r['single_ms_median']:9.1f} {r['clients']:7d} {r['asked']:6d} {r['p50_ms']:7.1f} "
              f"{r['p95_ms']:7.1f} {r['p95_over_single']:10.2f} {r['per_s']:6.1f} {r['errors']:6d} {r['mismatches']:5d}"
              + ("" if r["complete"] else "  (stopped at the time limit)"))
    print("(loopback only; 'mixed': concurrent answers that differ from the same question asked alone)")


if __name__ == "__main__":
    main()
