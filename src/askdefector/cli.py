"""Command line: ``askdefector "question"``, ``askdefector index``, or the chat with no question.

Only parsing, one library call, formatting and error mapping live here.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from .render import answer_json, format_answer, safe, use_colour, warn

EXIT_ERROR = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """The command line itself is wrong."""


def default_corpus() -> Path:
    """``$ASKDEFECTOR_CORPUS``, else ``./corpus``, else the corpus shipped beside the source."""
    if os.environ.get("ASKDEFECTOR_CORPUS"):
        return Path(os.environ["ASKDEFECTOR_CORPUS"])
    here = Path("corpus")
    shipped = Path(__file__).resolve().parents[2] / "corpus"
    return here if here.is_dir() or not shipped.is_dir() else shipped


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="askdefector",
        description="Ask the articles a question; the answer is verbatim quotes with citations. "
        "With no question, start a chat. `askdefector index` builds the embedding cache.",
    )
    parser.add_argument("question", nargs="*", help="the question (omit for an interactive chat; `index` to build the cache)")
    parser.add_argument("-k", type=int, default=3, help="at most this many quotes per answer (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--corpus", type=Path, help="folder of articles (default: ./corpus)")
    parser.add_argument("--cache", type=Path, help="embedding cache folder (default: embeddings/ beside the corpus)")
    parser.add_argument("--model", help="sentence-transformers model name or path (default: all-MiniLM-L6-v2)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.question == ["index"]:
            return run_index(args)
        question = " ".join(args.question)
        if args.question and not question.strip():
            raise UsageError("the question is empty")
        if args.k < 1:
            raise UsageError("-k must be at least 1")
        if not args.question:
            from .repl import run_repl

            return run_repl(_open(args), k=args.k)
        return run_question(args, question)
    except UsageError as exc:
        if args.debug:
            raise
        parser.print_usage(sys.stderr)
        print(f"askdefector: error: {safe(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("askdefector: interrupted; the cache keeps every finished batch", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so exit's flush is quiet too
        return EXIT_ERROR
    except Exception as exc:  # every failure becomes one line unless --debug
        if args.debug:
            raise
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"askdefector: error: {safe(message)}", file=sys.stderr)
        return EXIT_ERROR


def _terminate(signum, frame) -> None:
    """SIGTERM unwinds like Ctrl-C, so temporary files are removed on the way out."""
    raise KeyboardInterrupt


def _open(args: argparse.Namespace):
    import askdefector
    from .embeddings import DEFAULT_MODEL, terminal_progress

    corpus = args.corpus or default_corpus()
    kb = askdefector.open(
        corpus,
        cache_dir=args.cache,
        model=args.model or DEFAULT_MODEL,
        progress=terminal_progress(),
        notify=lambda message: print(f"askdefector: {message}", file=sys.stderr, flush=True),
    )
    for path, reason in kb.report.skipped:
        warn(f"skipped {path}: {reason}")
    for message in kb.report.warnings:
        warn(message)
    return kb


def run_question(args: argparse.Namespace, question: str) -> int:
    kb = _open(args)
    answer = kb.ask(question, k=args.k)
    if answer.note:
        warn(answer.note)
    if args.json:
        print(answer_json(answer))
    else:
        print(format_answer(answer, colour=use_colour(sys.stdout)))
    return 0


def run_index(args: argparse.Namespace) -> int:
    report = _open(args).report
    print(
        f"{report.documents} documents, {report.passages} passages, {report.sentences} sentences; "
        f"embedded {report.embedded} new texts; cache: {report.cache_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
