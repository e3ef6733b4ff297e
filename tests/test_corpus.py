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
    assert [d.id for d in corpus.documents] == ["good.txt"]
    reasons = {Path(p).name: r for p, r in corpus.skipped}
    assert reasons == {"binary.txt": "binary file", "empty.txt": "no article text", "latin1.txt": "not UTF-8 text"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_permission_is_skipped(tmp_path):
    f = tmp_path / "secret.txt"
    f.write_text("Title\n\nText.")
    f.chmod(0)
    assert load_corpus(tmp_path).skipped


def test_missing_folder_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nope")


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


def test_file_deleted_while_indexing_is_skipped(tmp_path, monkeypatch):
    import askdefector.corpus as corpus_module

    (tmp_path / "kept.txt").write_text("Kept\n\nStill here.")
    listed = corpus_module._article_files(tmp_path) + [tmp_path / "deleted.txt"]  # listed, then gone
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
