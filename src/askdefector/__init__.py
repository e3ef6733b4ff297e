"""askdefector: ask a folder of news articles a question, get verbatim quotes with citations."""

from .corpus import Corpus, CorpusError, load_corpus
from .embeddings import DEFAULT_MODEL, ModelError
from .indexing import Index, IndexOutOfDate, IndexReport, build_index
from .knowledge import KnowledgeBase
from .opening import open
from .types import Answer, Document, Hit, Passage, Quote

__all__ = [
    "DEFAULT_MODEL",
    "Answer",
    "Corpus",
    "CorpusError",
    "Document",
    "Hit",
    "Index",
    "IndexOutOfDate",
    "IndexReport",
    "KnowledgeBase",
    "ModelError",
    "Passage",
    "Quote",
    "build_index",
    "load_corpus",
    "open",
]
