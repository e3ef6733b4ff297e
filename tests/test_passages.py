from hypothesis import given, settings
from hypothesis import strategies as st

from askdefector.passages import make_passages, paragraph_spans, sentence_spans
from askdefector.types import Document


def sentences_of(text):
    return [text[s:e] for s, e in sentence_spans(text)]


def test_dates_and_abbreviations_stay_in_one_sentence():
    text = (
        "On Nov. 13, 2017, cameras captured the moment. "
        "In his first interview with a U.S. broadcaster, he spoke. "
        "Watch it at 6:30 p.m. ET on Monday. The end."
    )
    assert sentences_of(text) == [
        "On Nov. 13, 2017, cameras captured the moment.",
        "In his first interview with a U.S. broadcaster, he spoke.",
        "Watch it at 6:30 p.m. ET on Monday.",
        "The end.",
    ]


def test_quoted_speech_with_inner_punctuation_stays_whole():
    text = "“Why did you run?” he was asked. “Stop!” they shouted, as Oh drove on. He smiled."
    assert sentences_of(text) == [
        "“Why did you run?” he was asked.",
        "“Stop!” they shouted, as Oh drove on.",
        "He smiled.",
    ]


def test_cut_off_sentence_is_kept_as_it_is():
    text = "He fled. He said the guards were “his friends,” he"
    assert sentences_of(text)[-1] == "He said the guards were “his friends,” he"


def test_paragraphs_split_on_blank_lines():
    text = "One.\n\n  Two a. Two b.\n\n\n\nThree.\n"
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["One.", "Two a. Two b.", "Three."]


def test_passages_are_overlapping_windows_within_a_paragraph():
    text = "He ran. They fired. He fell. Doctors came. He lived.\n\nAnother paragraph."
    passages, sentences = make_passages([Document("d", "T", text)], window=3, stride=2)
    assert [p.text for p in passages] == [
        "He ran. They fired. He fell.",
        "He fell. Doctors came. He lived.",
        "Another paragraph.",
    ]
    assert [p.paragraph for p in passages] == [1, 1, 2]
    assert len(sentences) == 6


def test_passages_never_cross_documents():
    docs = [Document("a", "A", "First doc. Ends here."), Document("b", "B", "Second doc.")]
    passages, _ = make_passages(docs)
    assert {p.doc_id for p in passages} == {"a", "b"}
    for p in passages:
        assert p.text in next(d.text for d in docs if d.id == p.doc_id)


words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=12)
texts = st.lists(
    st.one_of(words, st.sampled_from([". ", "? ", "! ", "\n\n", "\n", " ", "“", "”", "U.S.", "Nov. 3", "p.m.", "…"])),
    max_size=60,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_every_span_is_exact_text_of_its_document(text):
    doc = Document("d", "T", text)
    passages, sentences = make_passages([doc])
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert p.text.strip() == p.text and p.text
        for s, e in p.sentences:
            assert p.start <= s < e <= p.end
    for s in sentences:
        assert doc.text[s.start : s.end].strip()
    # no word is lost: every non-space character lies inside some sentence
    covered = set()
    for s in sentences:
        covered.update(range(s.start, s.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
