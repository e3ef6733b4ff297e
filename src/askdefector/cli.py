"""Command line: ``askdefector "question"``, ``askdefector index``, ``askdefector serve``, or the
chat with no question.

Only parsing, one library call, formatting and error mapping live here.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .render import answer_json, format_answer, safe, use_colour, warn

if TYPE_CHECKING:
    from .embeddings import Embedder

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


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, help="folder of articles (default: ./corpus)")
    parser.add_argument("--cache", type=Path, help="embedding cache folder (default: embeddings/ beside the corpus)")
    parser.add_argument(
        "--model", help="sentence-transformers model name or path, or multilingual-e5-small (default: all-MiniLM-L6-v2)"
    )
    parser.add_argument(
        "--store",
        default=os.environ.get("ASKDEFECTOR_STORE") or None,
        help="keep the articles in a store of their own: a PostgreSQL database (postgresql://...) or a folder "
        "(default: $ASKDEFECTOR_STORE, else files beside the corpus). Questions are answered from everything it "
        "holds, without reading the corpus; only `index` adds the corpus to it",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="askdefector",
        description="Ask the articles a question; the answer is verbatim quotes with citations. "
        "With no question, start a chat. `askdefector index` builds the embedding cache; "
        "`askdefector serve` starts the JSON API and chat page.",
    )
    parser.add_argument("question", nargs="*", help="the question (omit for an interactive chat; `index` to build the cache)")
    parser.add_argument("--prune", action="store_true", help="with `index --store`: delete stored articles the corpus folder lacks")
    parser.add_argument(
        "--check", action="store_true", help="with `index`: verify every file of the index, write nothing, exit 1 on damage"
    )
    parser.add_argument("-k", type=int, default=3, help="at most this many quotes per answer (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    _add_common(parser)
    return parser


def build_serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="askdefector serve",
        description="Serve the JSON API and the chat page. The index must be built first "
        "(`askdefector index`) unless --allow-index is given; the server never writes otherwise.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 for any free port)")
    parser.add_argument("--allow-index", action="store_true", help="build or refresh the index at start-up if needed")
    _add_common(parser)
    return parser


def parse(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, argparse.Namespace, bool]:
    """The parser that reads ``argv`` (serve's or the question's), what it read, and whether it is
    ``serve``. argparse exits on a malformed command line; ``check_usage`` tells the rest."""
    argv = list(argv)
    serving = argv[:1] == ["serve"]
    parser = build_serve_parser() if serving else build_parser()
    return parser, parser.parse_args(argv[1:] if serving else argv), serving


def check_usage(args: argparse.Namespace, serving: bool) -> None:
    """Raise UsageError for a command line argparse accepts but askdefector does not."""
    if serving:
        if not 0 <= args.port <= 65535:
            raise UsageError("--port must be from 0 to 65535")
        return
    if args.prune and not (args.question == ["index"] and args.store):
        raise UsageError("--prune only goes with `index --store`")
    if args.check and args.question != ["index"]:
        raise UsageError("--check only goes with `index`")
    if args.check and args.prune:
        raise UsageError("--check writes nothing: leave out --prune")
    if args.question == ["index"]:
        return
    if args.question and not " ".join(args.question).strip():
        raise UsageError("the question is empty")
    if args.k < 1:
        raise UsageError("-k must be at least 1")


def main(argv: Sequence[str] | None = None, embedder: Embedder | None = None) -> int:
    """Run the command line; ``embedder`` replaces the model (tests pass a small fake one)."""
    parser, args, serving = parse(sys.argv[1:] if argv is None else argv)
    args.embedder = embedder
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run(parser, args, serving)
    finally:
        signal.signal(signal.SIGTERM, previous)  # main() called in-process leaves the caller's handler


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, serving: bool) -> int:
    try:
        check_usage(args, serving)
        if serving:
            return run_serve(args)
        if args.question == ["index"]:
            return run_index(args)
        if not args.question:
            from .repl import run_repl

            with _open(args) as kb:
                return run_repl(kb, k=args.k)
        return run_question(args, " ".join(args.question))
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


def _open(args: argparse.Namespace, read_only: bool = False, wait_for_writers: bool = False, indexing: bool = False):
    import askdefector
    from .embeddings import DEFAULT_MODEL, terminal_progress

    corpus = args.corpus or default_corpus()
    if args.store and not indexing:
        corpus = None  # a shared store is answered as it is: only `index` adds a folder to it
    kb = askdefector.open(
        corpus,
        cache_dir=args.cache,
        model=args.model or DEFAULT_MODEL,
        embedder=args.embedder,
        progress=terminal_progress(),
        notify=lambda message: print(f"askdefector: {message}", file=sys.stderr, flush=True),
        read_only=read_only,
        wait_for_writers=wait_for_writers,
        store=args.store,
        prune=indexing and args.prune,
        verify=indexing,
    )
    for path, reason in kb.report.skipped:
        warn(f"skipped {path}: {reason}")
    for message in kb.report.warnings:
        warn(message)
    return kb


def run_question(args: argparse.Namespace, question: str) -> int:
    with _open(args) as kb:
        answer = kb.ask(question, k=args.k)
    if answer.note:
        warn(answer.note)
    if args.json:
        print(answer_json(answer))
    else:
        print(format_answer(answer, colour=use_colour(sys.stdout)))
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from .indexing import IndexOutOfDate
    from .server import create_app, listen, prepare, serve

    sock = listen(args.host, args.port)  # before loading the model: a taken port fails at once
    try:
        kb = _open(args, read_only=not args.allow_index)
    except IndexOutOfDate as exc:
        sock.close()
        raise IndexOutOfDate(f"{exc}: run `askdefector index` first, or serve with --allow-index") from None
    prepare(kb)
    from .stores.postgres import is_url

    shared = is_url(args.store)
    corpus = "PostgreSQL store" if shared else Path(args.store or args.corpus or default_corpus()).resolve().name
    try:
        serve(create_app(kb, corpus=corpus, store="postgresql" if shared else "local"), sock)
    except KeyboardInterrupt:  # uvicorn shuts down gracefully, then passes Ctrl-C or SIGTERM on
        pass
    finally:
        kb.close()
    print("askdefector: stopped", file=sys.stderr)
    return 0


def run_check(args: argparse.Namespace) -> int:
    from .check import check
    from .embeddings import DEFAULT_MODEL

    from .opening import default_cache_dir
    from .stores.postgres import is_url, without_password

    corpus = args.corpus or default_corpus()
    where = args.store or args.cache or default_cache_dir(corpus)
    if args.store and is_url(args.store):
        where = without_password(args.store)
    problems = check(corpus, args.cache, args.model or DEFAULT_MODEL, args.embedder, args.store)
    for problem in problems:
        warn(problem)
    print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found in {where}" if problems else f"{where}: every file intact")
    return 1 if problems else 0


def run_index(args: argparse.Namespace) -> int:
    if args.check:
        return run_check(args)
    with _open(args, wait_for_writers=True, indexing=True) as kb:
        report = kb.report
    skipped = len(report.skipped) + report.skipped_before
    print(
        f"{report.documents} documents, {report.passages} passages, {report.sentences} sentences; "
        + (f"{skipped} file{'s' if skipped != 1 else ''} skipped; " if skipped else "")
        + f"embedded {report.embedded} new texts; {'store' if args.store else 'cache'}: {report.cache_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
