"""The README and docs/ can't drift from the code: every relative link and anchor resolves, and
every `askdefector` command in a shell or console block is one the command line accepts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from askdefector import cli

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(```+|~~~+)\s*(\w*)")
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
SHELL = {"sh", "shell", "bash", "console"}


def blocks(text: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The lines outside fenced code blocks, and each fenced block as (language, lines)."""
    prose, fenced, inside = [], [], None
    for line in text.splitlines():
        fence = FENCE.match(line.strip())
        if inside is None and fence:
            inside = (fence.group(1), fence.group(2), [])
        elif inside is not None and line.strip().startswith(inside[0]):
            fenced.append((inside[1], inside[2]))
            inside = None
        elif inside is not None:
            inside[2].append(line)
        else:
            prose.append(line)
    return prose, fenced


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip().lower())
    return "".join(c for c in text if c.isalnum() or c in " -_").replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The page's heading anchors; a repeated heading gets -1, -2 ... as on GitHub."""
    found: set[str] = set()
    counts: dict[str, int] = {}
    for line in blocks(path.read_text("utf-8"))[0]:
        if m := re.match(r"#{1,6}\s+(.*?)\s*#*$", line):
            base = slug(m.group(1))
            found.add(f"{base}-{counts[base]}" if base in counts else base)
            counts[base] = counts.get(base, 0) + 1
    return found


def links(path: Path) -> list[str]:
    prose = "\n".join(blocks(path.read_text("utf-8"))[0])
    prose = re.sub(r"`[^`]*`", "", prose)  # code spans hold no links
    return [m.group(1) for m in LINK.finditer(prose)]


def commands(path: Path) -> list[str]:
    """Each askdefector command line of the page's shell and console blocks."""
    out = []
    for language, lines in blocks(path.read_text("utf-8"))[1]:
        if language not in SHELL:
            continue
        for line in lines:
            line = line.strip().removeprefix("$ ")
            if line.split(" ", 1)[0] == "askdefector":
                out.append(line)
    return out


def test_the_readme_is_a_front_door():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert len(readme.splitlines()) < 250
    linked = {target.split("#")[0] for target in links(ROOT / "README.md")}
    for page in PAGES[1:]:  # every page of docs/ is reachable from the README
        assert f"docs/{page.name}" in linked, page.name


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_and_anchor_resolves(page):
    broken = []
    for target in links(page):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not checked here (no network)
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no such heading")
    assert not broken, broken


@pytest.mark.parametrize("page", [p for p in PAGES if commands(p)], ids=lambda p: p.name)
def test_every_documented_command_is_accepted(page, capsys):
    refused = []
    for line in commands(page):
        argv = shlex.split(line, comments=True)[1:]
        try:
            _, args, serving = cli.parse(argv)
            cli.check_usage(args, serving)
        except (SystemExit, cli.UsageError) as exc:
            refused.append(f"{line}: {exc}")
    assert not refused, refused


def test_the_checks_catch_drift(tmp_path):
    """A broken anchor and an unknown option are caught, so the checks above can fail."""
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## Title\n\n[bad](#nope)\n\n```console\n$ askdefector --no-such-flag x\n# Not a heading\n```\n")
    assert anchors(page) == {"title", "title-1"}
    assert links(page) == ["#nope"]
    with pytest.raises(SystemExit):
        cli.parse(shlex.split(commands(page)[0])[1:])
    assert slug("The reader (stage 6)") == "the-reader-stage-6"
    assert slug("PostgreSQL at 100,000 passages") == "postgresql-at-100000-passages"
