"""The chat page as a person uses it: a real `askdefector serve` process, the real model, and
Debian's Chromium driven headless by Playwright (no browser download)."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import CORPUS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and not os.environ.get("CI"):  # CI installs it (.ci/run) and must run this test
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

# Chromium as root in a sandbox with no network: no setuid sandbox, no calls home.
CHROMIUM_ARGS = [
    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
# An article that tries to run code and holds characters outside the Basic Multilingual Plane
# before and inside the quoted sentence: JavaScript counts those as two, Python as one.
PLANTED = """---
title: <img src=x onerror="window.__planted='title'">Harbour notes
outlet: <script>window.__planted='outlet'</script>Test Wire
---
The keeper 🦒 counted forty-one penguins <script>window.__planted='text'</script> at the harbour on Tuesday.

Visitors 🐧🐧 say the penguin parade <img src=x onerror="window.__planted='img'"> begins at six every evening, rain or shine.
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, kb, kb_cache):
    """`askdefector serve` on a free port over the shipped articles plus the planted one."""
    root = tmp_path_factory.mktemp("served")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "planted.txt").write_text(PLANTED, "utf-8")  # .txt: markup stays in the text as typed
    shutil.copytree(kb_cache, root / "cache")  # the shipped articles' vectors: only the planted one is new
    process = subprocess.Popen(
        [sys.executable, "-m", "askdefector.cli", "serve", "--corpus", str(corpus), "--cache", str(root / "cache"),
         "--port", "0", "--allow-index"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=lambda: [*map(lines.put, process.stderr), lines.put(None)], daemon=True).start()
    seen = []
    while True:  # wait for the line that says where it listens, or for the process to end
        line = lines.get(timeout=600)
        if line is None:
            pytest.fail(f"askdefector serve ended: {''.join(seen)}")
        seen.append(line)
        if "serving on http://" in line:
            url = line.split("serving on ", 1)[1].split()[0].rstrip("/")
            break
    yield url
    process.terminate()
    assert process.wait(timeout=60) == 0


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.set_default_timeout(60_000)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server + "/")
    yield page
    assert dialogs == [], "the page opened a dialog"
    context.close()


def ask(page, question: str):
    """Type the question, press Enter, and return the new answer's element once it is shown."""
    turns = page.locator(".turn")
    before = turns.count()
    page.locator("#question").fill(question)
    page.locator("#question").press("Enter")
    answer = turns.nth(before).locator(".answer")
    answer.locator(".confidence").first.wait_for()
    return answer


def test_question_quotes_cites_and_opens_the_quote_in_its_article(page, server):
    answer = ask(page, "how many times was he shot")
    quotes = answer.locator(".quote-text")
    assert "five" in quotes.first.inner_text()
    citations = " ".join(answer.locator(".cite").all_inner_texts())
    assert "NBC News" in citations and "Business Insider" in citations
    agreement = answer.locator(".agreement.agree")  # the sources compared, above the quotes
    assert "NBC News" in agreement.text_content() and "agree: five" in agreement.text_content()
    first = quotes.first.text_content()
    marked = quotes.first.locator("strong.answer-span")  # the reader's answer, inside the quote
    assert marked.count() == 1 and "five" in marked.text_content()
    answer.locator(".cite").first.click()
    mark = page.locator("#article #highlight")
    mark.wait_for()
    assert mark.text_content() == first
    assert mark.locator("strong.answer-span").text_content() == marked.text_content()  # and inside the article
    assert page.locator("#article").evaluate("el => document.activeElement === el")
    from playwright.sync_api import expect

    expect(mark).to_be_in_viewport()
    shots = [Path(os.environ["ASKDEFECTOR_SCREENSHOT"])] if os.environ.get("ASKDEFECTOR_SCREENSHOT") else []
    for shot in shots:
        page.screenshot(path=str(shot))
    page.keyboard.press("Escape")
    expect(page.locator("#article")).to_be_hidden()


def test_follow_up_uses_the_conversation_and_a_new_chat_forgets_it(page):
    ask(page, "Who shot him?")
    follow = ask(page, "How many times?")
    assert follow.locator(".declined").count() == 0
    assert "five times" in follow.locator(".quote-text").first.inner_text()
    page.locator("#new-chat").click()
    alone = ask(page, "How many times?")
    assert "don't say" in alone.locator(".declined").inner_text()


def test_declined_question_shows_closest_passages_as_such(page):
    answer = ask(page, "Who painted the Mona Lisa?")
    assert "The articles don't say" in answer.locator(".declined").inner_text()
    assert answer.locator(".quote-text").count() >= 1


def test_planted_markup_is_shown_as_text_and_runs_nothing(page):
    answer = ask(page, "When does the penguin parade begin?")
    quote = answer.locator(".quote-text").first
    assert '<img src=x onerror="window.__planted=' in quote.inner_text()
    cites = answer.locator(".cite")
    assert "<script>" in cites.first.inner_text()  # the outlet's markup, as text
    for _ in range(cites.count()):  # the keyboard alone: back from the question box to citation [1]
        page.keyboard.press("Shift+Tab")
    assert cites.first.evaluate("el => document.activeElement === el")
    page.keyboard.press("Enter")
    mark = page.locator("#highlight")
    mark.wait_for()
    assert mark.text_content() == quote.text_content()  # exact, astral characters and all
    assert page.locator("#article-title").inner_text().startswith("<img src=x")
    assert page.evaluate("window.__planted") is None
    assert page.locator("#article img, #article script, .answer img, .answer script").count() == 0


def test_page_fits_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(server + "/")
    answer = ask(page, "how many times was he shot")
    answer.locator(".cite").first.click()
    page.locator("#highlight").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
