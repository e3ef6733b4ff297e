import os
from pathlib import Path

import pytest

from askdefector.corpus import CorpusError, load_corpus, parse_header, read_document

from conftest import CORPUS

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
FURNITURE = [
    "Breaking News Emails",
    "Log in with your credentials",
    "Forgot your details?",
    "We're not around right now",
    "Connect with us",
    "Read more:",
    "Continue Reading",
    "Advertisement",
    "Find your dream job",
    "201701:26",
    "Watch more on",
]


def test_shipped_corpus_has_two_articles_with_metadata():
    corpus = load_corpus(CORPUS)
    assert corpus.skipped == ()
    by_outlet = {d.outlet: d for d in corpus.documents}
    assert set(by_outlet) == {"NBC News", "Business Insider"}
    assert by_outlet["NBC News"].authors == ("Stella Kim", "Alexander Smith")
    assert by_outlet["NBC News"].title.startswith("N. Korean defector whose escape went viral")


def test_shipped_corpus_has_no_page_furniture_and_no_header_in_text():
    for doc in load_corpus(CORPUS).documents:
        for junk in FURNITURE:
            assert junk not in doc.text, (doc.id, junk)
        assert not doc.text.startswith("---") and "outlet:" not in doc.text


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed articles not beside the repository")
def test_shipped_text_is_the_seed_text_unchanged():
    """Cleaning removed furniture only: every paragraph is in a seed, up to line wrapping."""
    seeds = " ".join(" ".join(p.read_text().split()) for p in SEEDS.glob("*.txt"))
    for doc in load_corpus(CORPUS).documents:
        for paragraph in doc.text.split("\n\n"):
            assert " ".join(paragraph.split()) in seeds


def test_header_is_optional_and_first_line_becomes_title(tmp_path):
    (tmp_path / "plain.txt").write_text("My headline\n\nBody sentence one. Body two.\n")
    (tmp_path / "notitle.md").write_text("Just one paragraph of prose without a title line.")
    docs = {d.id: d for d in load_corpus(tmp_path).documents}
    assert docs["plain.txt"].title == "My headline"
    assert docs["plain.txt"].text == "Body sentence one. Body two."
    assert docs["notitle.md"].title == "notitle"


def test_an_article_is_dated_by_its_header_or_its_dateline(tmp_path):
    (tmp_path / "header.md").write_text("---\ntitle: T\ndate: March 4, 2025\n---\nBody.")
    (tmp_path / "dateline.txt").write_text("Headline\n\nSKARHOLM, March 5, 2025 — The ferry ran aground.")
    (tmp_path / "none.txt").write_text("Headline\n\nSEOUL, South Korea — It was a dash for freedom.")
    docs = {d.id: d for d in load_corpus(tmp_path).documents}
    assert docs["header.md"].date == "2025-03-04" and docs["dateline.txt"].date == "2025-03-05" and docs["none.txt"].date == ""
    assert docs["dateline.txt"].text.startswith("SKARHOLM, March 5, 2025 —")  # the dateline stays quotable


def test_header_fields_are_parsed():
    fields, body = parse_header("---\ntitle: T: a story\nauthors: A; B\n---\nText.")
    assert fields == {"title": "T: a story", "authors": "A; B"} and body == "Text."


def test_unreadable_files_are_skipped_with_a_reason(tmp_path):
    (tmp_path / "good.txt").write_text("Title\n\nA fine article.")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["good.txt", "latin1.txt"]
    reasons = {Path(p).name: r for p, r in corpus.skipped}
    assert reasons == {"binary.txt": "binary file", "empty.txt": "no article text"}


def test_encodings_by_byte_order_mark_or_detection(tmp_path):
    text = "Café news\n\nThe café on the harbour reopens on Tuesday, the owner said."
    (tmp_path / "utf16.txt").write_bytes(text.encode("utf-16"))  # with its BOM
    (tmp_path / "bom8.txt").write_bytes(text.encode("utf-8-sig"))
    (tmp_path / "cp1252.txt").write_bytes(text.replace("news", "nouvelles").encode("cp1252"))
    corpus = load_corpus(tmp_path)
    docs = {d.id: d for d in corpus.documents}
    assert docs["utf16.txt"].text == docs["bom8.txt"].text == "The café on the harbour reopens on Tuesday, the owner said."
    assert "café" in docs["cp1252.txt"].text and corpus.skipped == ()
    assert [Path(p).name for p, note in corpus.notes if "not UTF-8" in note] == ["cp1252.txt"]


def test_markdown_is_read_as_the_text_a_reader_sees(tmp_path):
    (tmp_path / "seals.md").write_text(
        "# Seal pups counted\n\nThe **seal pup count** rose, says the "
        "[Zoological Society of London](https://www.zsl.org/).\n\n## Why\n\n- Fewer _storms_ this `winter`.\n"
    )
    doc = load_corpus(tmp_path).documents[0]
    assert doc.title == "Seal pups counted"
    assert doc.text == "The seal pup count rose, says the Zoological Society of London.\n\nWhy\n\nFewer storms this winter."


def test_symlinked_folders_are_followed_once(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "far.txt").write_text("Far\n\nAn article kept in another folder.")
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "near.txt").write_text("Near\n\nAn article in the corpus.")
    os.symlink(outside, corpus_dir / "linked")
    os.symlink(corpus_dir, corpus_dir / "loop")  # back up the tree: walked once, not forever
    ids = [d.id for d in load_corpus(corpus_dir).documents]
    assert ids == ["linked/far.txt", "near.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_permission_is_skipped(tmp_path):
    f = tmp_path / "secret.txt"
    f.write_text("Title\n\nText.")
    f.chmod(0)
    assert load_corpus(tmp_path).skipped


def test_missing_folder_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nope")


def test_a_page_that_is_not_in_the_charset_it_declares_is_read_by_detection_with_a_note(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(
        """<html><head><meta charset="utf-8"><title>Café reopens</title></head><body><article>
        <h1>Café reopens</h1><p>The café on the harbour reopens on Tuesday, the owner said, after a
        winter of repairs to its façade and its kitchen.</p><p>Its crème brûlée is back on the menu, and
        the terrace will open in May if the weather allows it.</p></article></body></html>""".encode("cp1252")
    )
    notes: list[str] = []
    doc = read_document(page, "page.html", notes)
    assert "The café on the harbour" in doc.text and "crème brûlée" in doc.text
    assert notes and "not utf-8 as the page declares" in notes[0]


def test_html_page_gives_body_and_metadata(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        """<html><head><title>Guard flees | Daily Planet</title>
        <meta name="author" content="Lois Lane"><meta property="og:site_name" content="Daily Planet">
        <meta property="article:published_time" content="2019-05-06"></head>
        <body><nav>Home | News | Sign in</nav><article><h1>Guard flees</h1>
        <p>A border guard ran across the line on Tuesday, officials said. He was hit by five bullets.</p>
        <p>Doctors said he would recover. The escape lasted less than a minute and was filmed.</p>
        </article><footer>Subscribe to our newsletter</footer></body></html>"""
    )
    doc = read_document(page, "page.html")
    assert doc.title == "Guard flees"
    assert doc.authors == ("Lois Lane",) and doc.outlet == "Daily Planet" and doc.date == "2019-05-06"
    assert "five bullets" in doc.text and "newsletter" not in doc.text and "Sign in" not in doc.text


def test_page_furniture_is_removed_and_the_headline_found(tmp_path):
    page = tmp_path / "page.html"
    body = " ".join(["The council voted on Monday to rebuild the old harbour bridge, officials said."] * 3)
    page.write_text(
        f"""<html><head><title>escenic</title>
        <meta property="og:title" content="Council votes to rebuild the bridge">
        <meta property="og:site_name" content="Harbour Times"></head><body><article>
        <h1>Council votes to rebuild the bridge</h1>
        <p>Politics</p><p>WASHINGTON —</p><p>{body}</p>
        <p>MORE: Harbour festival returns next week</p>
        <p>If you're on the Harbour Times app, click here to watch live.</p>
        <p>{body.replace("Monday", "Tuesday")}</p>
        <p>We use cookies to improve your experience on our site.</p>
        <p>This article originally appeared on Harbour Weekly.</p>
        <p>© Harbour Times 2024. All rights reserved.</p>
        <p>Editors’ Recommendations:</p><p>- Ferry fares to rise in spring</p></article></body></html>"""
    )
    notes = []
    doc = read_document(page, "page.html", notes=notes)
    assert doc.title == "Council votes to rebuild the bridge"
    assert doc.text.startswith("WASHINGTON — The council voted on Monday")
    for furniture in ("Politics", "MORE:", "click here", "cookies", "originally appeared", "©", "Council votes", "fares"):
        assert furniture not in doc.text
    assert "Tuesday" in doc.text and notes == []


def test_a_page_with_almost_no_article_is_kept_with_a_note(tmp_path):
    page = tmp_path / "caption.html"
    page.write_text("<html><head><title>Photo of the day</title></head><body><article>"
                    "<p>A photo caption: the harbour at dawn, seen from the old bridge on Sunday.</p>"
                    "</article></body></html>")
    notes = []
    doc = read_document(page, "caption.html", notes=notes)
    assert "harbour at dawn" in doc.text
    assert notes and "characters of article text" in notes[0]


def test_file_deleted_while_indexing_is_skipped(tmp_path, monkeypatch):
    import askdefector.corpus as corpus_module

    (tmp_path / "kept.txt").write_text("Kept\n\nStill here.")
    listed = corpus_module._article_files(tmp_path) + [("deleted.txt", tmp_path / "deleted.txt")]  # listed, then gone
    monkeypatch.setattr(corpus_module, "_article_files", lambda root: listed)
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["kept.txt"]
    assert corpus.skipped == ((str(tmp_path / "deleted.txt"), "No such file or directory"),)


def test_permission_denied_is_skipped_even_as_root(tmp_path, monkeypatch):
    (tmp_path / "open.txt").write_text("Open\n\nReadable.")
    (tmp_path / "secret.txt").write_text("Secret\n\nNot for us.")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["open.txt"]
    assert corpus.skipped == ((str(tmp_path / "secret.txt"), "Permission denied"),)


def test_an_unchanged_folder_is_not_read_again(tmp_path, hash_embedder, monkeypatch):
    """Opening reads only new or changed files; the rest come from the cache's corpus.json."""
    import os

    import askdefector
    from askdefector import corpus as corpus_module

    folder = tmp_path / "corpus"
    folder.mkdir()
    for n in range(5):
        (folder / f"{n}.txt").write_text(f"Story {n}\n\nThe ferry number {n} leaves at noon.")
    (folder / "bad.txt").write_bytes(b"\xff\xfe not text")
    reads = []
    real = corpus_module.read_document
    monkeypatch.setattr(
        corpus_module, "read_document", lambda path, doc_id=None, notes=None: reads.append(path.name) or real(path, doc_id, notes)
    )
    cache = tmp_path / "cache"

    first = askdefector.open(folder, cache, embedder=hash_embedder)
    assert len(reads) == 6 and [os.path.basename(p) for p, _ in first.report.skipped] == ["bad.txt"]
    reads.clear()
    second = askdefector.open(folder, cache, embedder=hash_embedder)
    assert reads == [] and second.report.skipped == () and second.report.skipped_before == 1
    assert [d[0] for d in second.store.columns.documents] == [d[0] for d in first.store.columns.documents]
    assert all(second.document(d[0]).text == first.document(d[0]).text for d in first.store.columns.documents)
    assert second.document("3.txt").source == str(folder / "3.txt")

    (folder / "3.txt").write_text("Story 3\n\nThe ferry number 3 now leaves at dawn.")
    os.utime(folder / "3.txt", ns=(1, 1))  # even an edit that keeps the size is seen by its time
    (folder / "bad.txt").write_text("Fixed\n\nThe ferry is mended.")
    third = askdefector.open(folder, cache, embedder=hash_embedder)
    assert sorted(reads) == ["3.txt", "bad.txt"]
    assert "dawn" in third.document("3.txt").text and third.document("bad.txt") is not None

    (cache / "corpus.json").write_bytes(b"\x00 damaged")
    reads.clear()
    fourth = askdefector.open(folder, cache, embedder=hash_embedder)
    assert len(reads) == 6 and "dawn" in fourth.document("3.txt").text


def test_a_bad_file_is_reported_when_found_not_on_every_question(tmp_path, capsys):
    from askdefector.cli import main

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text("Ferry news\n\nThe ferry leaves the harbour at noon every day.")
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00\x00binary")
    args = ["--corpus", str(folder), "--cache", str(tmp_path / "cache")]
    assert main([*args, "When does the ferry leave?"]) == 0
    assert "skipped" in capsys.readouterr().err
    assert main([*args, "When does the ferry leave?"]) == 0
    again = capsys.readouterr()
    assert "noon" in again.out and again.err == ""
    assert main([*args, "index"]) == 0
    assert "1 file skipped" in capsys.readouterr().out


def test_a_new_reader_reads_every_file_again(tmp_path, hash_embedder, monkeypatch):
    """Articles extracted by other reader code are never served from corpus.json."""
    import askdefector
    from askdefector import corpus as corpus_module
    from askdefector import corpus_cache

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("A\n\nThe ferry leaves at noon.")
    askdefector.open(folder, tmp_path / "cache", embedder=hash_embedder)
    reads = []
    real = corpus_module.read_document
    monkeypatch.setattr(
        corpus_module, "read_document", lambda path, doc_id=None, notes=None: reads.append(path.name) or real(path, doc_id, notes)
    )
    askdefector.open(folder, tmp_path / "cache", embedder=hash_embedder)
    assert reads == []
    monkeypatch.setattr(corpus_cache, "_reader_version", lambda: "another reader")
    askdefector.open(folder, tmp_path / "cache", embedder=hash_embedder)
    assert reads == ["a.txt"]


def test_file_names_that_are_not_utf8_or_hold_control_characters_get_safe_ids(tmp_path, hash_embedder):
    """Such a name is indexed under an escaped id: nothing that cites it breaks, and the id fetches it."""
    import askdefector

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text("The ferry ran aground near Skarholm on Monday night.")
    (folder / "two\nlines.txt").write_text("The captain, Elin Marsk, said the ship hit a rock in fog.")
    kb = askdefector.open(folder, tmp_path / "cache", embedder=hash_embedder)
    ids = sorted(d[0] for d in kb.store.columns.documents)
    assert ids == ["caf\\xe9.txt", "two\\u000alines.txt"]
    for doc_id in ids:
        doc = kb.document(doc_id)
        assert doc is not None and doc.id.isprintable() and doc.title.isprintable()
    again = askdefector.open(folder, tmp_path / "cache", embedder=hash_embedder)  # from corpus.json
    assert sorted(d[0] for d in again.store.columns.documents) == ids
