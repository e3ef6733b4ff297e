"""The PostgreSQL store: articles, passages, sentences, their vectors (pgvector) and a BM25 index
in SQL, shared by every reader and writer of one database.

Reading: each question runs in one read-only REPEATABLE READ transaction, so it sees one version
of the store while another process re-indexes. Dense candidates come from HNSW indexes on passages
and sentences (all passages are scored exactly on a store of up to ``EXACT_UP_TO``); the lexical
side is the same BM25 as the local store's (Lucene's IDF, ``lexical.K1``/``lexical.B``), summed in
SQL over a postings table, so both stores rank alike.

Writing: a batch of articles is stored in one transaction with their passages, sentences,
postings and the counters BM25 needs, each article keyed by a hash of its content: unchanged
articles are skipped, a changed one replaces its old version, a writer killed mid-way leaves no
article half-written. Writers take one advisory lock per transaction (the write itself; embedding
runs outside it), readers none.
The schema carries a version and numbered migrations, applied on open.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .. import lexical
from ..analyzer import Analyzer
from ..cache.files import text_hash
from ..embeddings import Embedder, ProgressFn
from ..passages import make_passages
from ..types import Document, Passage
from . import Candidates, SentenceRecord, StoreError, StoreSize, content_hash

# Up to this many passages every passage is scored exactly, as the local store does up to 50,000;
# in SQL that costs about 15 ms per 2,000 passages (SQuAD dev-a), so larger stores use HNSW.
EXACT_UP_TO = 10_000
EF_SEARCH = 100  # HNSW candidate list per search (at least the depth asked for); the engine re-scores what it gets
_WRITE_LOCK = 0x61736B64  # pg_advisory_xact_lock key of writers ("askd")
_MIGRATION_LOCK = 0x61736B65

# Numbered migrations: a store at version n gets n+1... applied in order, each in its transaction.
# {dimension} is the model's vector width, fixed when the store is created.
MIGRATIONS: dict[int, str] = {
    1: """
        CREATE EXTENSION IF NOT EXISTS vector;
        CREATE TABLE askdefector_meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE documents (
            id text PRIMARY KEY,
            content_hash text NOT NULL,
            title text NOT NULL,
            text text NOT NULL,
            outlet text NOT NULL DEFAULT '',
            authors text[] NOT NULL DEFAULT '{{}}',
            date text NOT NULL DEFAULT '',
            source text NOT NULL DEFAULT ''
        );
        CREATE TABLE sentences (
            id bigint PRIMARY KEY,
            doc_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            ord int NOT NULL,
            paragraph int NOT NULL,
            start int NOT NULL,
            stop int NOT NULL,
            text_hash text NOT NULL,
            terms text[] NOT NULL,
            embedding vector({dimension}) NOT NULL,
            UNIQUE (doc_id, ord)
        );
        CREATE TABLE passages (
            id bigint PRIMARY KEY,
            doc_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            ord int NOT NULL,
            paragraph int NOT NULL,
            start int NOT NULL,
            stop int NOT NULL,
            members bigint[] NOT NULL,
            text_hash text NOT NULL,
            length int NOT NULL,
            embedding vector({dimension}) NOT NULL,
            UNIQUE (doc_id, ord)
        );
        CREATE SEQUENCE askdefector_ids;
        CREATE TABLE postings (
            term text NOT NULL,
            passage_id bigint NOT NULL REFERENCES passages (id) ON DELETE CASCADE,
            tf int NOT NULL,
            length int NOT NULL,
            PRIMARY KEY (term, passage_id)
        );
        CREATE INDEX postings_passage ON postings (passage_id);
        CREATE TABLE terms (term text PRIMARY KEY, passages bigint NOT NULL, sentences bigint NOT NULL);
        CREATE TABLE totals (
            one boolean PRIMARY KEY DEFAULT true CHECK (one),
            documents bigint NOT NULL,
            passages bigint NOT NULL,
            sentences bigint NOT NULL,
            passage_length bigint NOT NULL
        );
        INSERT INTO totals VALUES (true, 0, 0, 0, 0);
        CREATE INDEX sentences_hash ON sentences (text_hash);
        CREATE INDEX passages_hash ON passages (text_hash);
    """,
    2: """
        CREATE INDEX passages_embedding ON passages USING hnsw (embedding vector_cosine_ops);
        CREATE INDEX sentences_embedding ON sentences USING hnsw (embedding vector_cosine_ops);
        CREATE INDEX passages_members ON passages USING gin (members);
    """,
    # 3: the passages holding a sentence by an index lookup (the planner scanned every passage for
    # `members && ...` through the GIN index of 2); BM25's postings read from the index alone.
    3: """
        CREATE TABLE passage_members (
            sentence_id bigint NOT NULL,
            passage_id bigint NOT NULL REFERENCES passages (id) ON DELETE CASCADE,
            PRIMARY KEY (sentence_id, passage_id)
        );
        CREATE INDEX passage_members_passage ON passage_members (passage_id);
        INSERT INTO passage_members SELECT DISTINCT unnest(members), id FROM passages;
        DROP INDEX passages_members;
        CREATE INDEX postings_term ON postings (term) INCLUDE (passage_id, tf, length);
    """,
}
SCHEMA_VERSION = max(MIGRATIONS)


def is_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


@dataclass(frozen=True)
class WriteReport:
    """What one ``PostgresStore.add`` did."""

    added: int  # articles stored (new or changed)
    unchanged: int
    removed: int
    embedded: int  # texts sent to the model (the others' vectors were in the store)
    warnings: tuple[str, ...] = ()  # one line per damaged article found, and what was done


class PostgresStore:
    """A store in a PostgreSQL database with pgvector 0.5 or newer; see the module's docstring."""

    def __init__(
        self, url: str, model_id: str, dimension: int | Callable[[], int] | None = None, max_connections: int = 8
    ) -> None:
        """Connect to ``url`` and migrate its schema. A new store needs ``dimension`` (the model's
        vector width, or a function giving it, called only then); an existing one must have been
        built with ``model_id``."""
        try:
            import psycopg
            from pgvector.psycopg import register_vector
            from psycopg_pool import ConnectionPool
        except ImportError as exc:
            raise StoreError("a PostgreSQL store needs its drivers: pip install 'askdefector[postgres]'") from exc
        self.url = url
        self.display_url = without_password(url)
        self.model_id = model_id
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                self._migrate(conn, dimension)
                meta = dict(conn.execute("SELECT key, value FROM askdefector_meta").fetchall())
        except psycopg.OperationalError as exc:
            raise StoreError(f"cannot reach the PostgreSQL store: {str(exc).strip().splitlines()[0]}") from None
        if meta.get("model") != model_id:
            raise StoreError(f"the PostgreSQL store holds vectors of model {meta.get('model')!r}, not {model_id!r}")
        self.dimension = int(meta["dimension"])
        self.analyzer = Analyzer(json.loads(meta["stopwords"]))
        self._pool = ConnectionPool(url, min_size=1, max_size=max_connections, configure=register_vector, open=True)

    def close(self) -> None:
        self._pool.close()

    def damaged(self) -> dict[str, str]:
        """Each stored article whose fields no longer hash to the ``content_hash`` written with
        them, or whose sentences' spans no longer hold the text they were embedded from, and what
        is wrong: what ``index --check`` reads and ``index`` rewrites (PostgreSQL's own checksums
        guard its pages; this guards the rows)."""
        found = {}
        with self._pool.connection() as conn, conn.cursor(name="askdefector_check") as rows:
            rows.itersize = 500  # streamed: an archive's texts are never all in memory
            rows.execute(
                "SELECT d.id, d.content_hash, d.title, d.text, d.outlet, d.authors, d.date, d.source,"
                " coalesce(array_agg(s.start ORDER BY s.ord) FILTER (WHERE s.id IS NOT NULL), '{}'),"
                " coalesce(array_agg(s.stop ORDER BY s.ord) FILTER (WHERE s.id IS NOT NULL), '{}'),"
                " coalesce(array_agg(s.text_hash ORDER BY s.ord) FILTER (WHERE s.id IS NOT NULL), '{}')"
                " FROM documents d LEFT JOIN sentences s ON s.doc_id = d.id GROUP BY d.id ORDER BY d.id"
            )
            for doc_id, digest, title, text, outlet, authors, date, source, starts, stops, hashes in rows:
                if content_hash(Document(doc_id, title, text, outlet, tuple(authors), date, source)) != digest:
                    found[doc_id] = f"the stored article {doc_id} does not match its content hash (altered in the database)"
                elif any(text_hash(text[a:b]) != h for a, b, h in zip(starts, stops, hashes)):
                    found[doc_id] = f"the stored sentences of {doc_id} do not fit its text (altered in the database)"
        return found

    def _migrate(self, conn, dimension: int | None) -> None:
        """Apply the migrations this database lacks, one process at a time."""
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS askdefector_migrations (version int PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())")
            done = {v for (v,) in conn.execute("SELECT version FROM askdefector_migrations").fetchall()}
            if done and max(done) > SCHEMA_VERSION:
                raise StoreError(f"the store's schema is version {max(done)}; this askdefector knows up to {SCHEMA_VERSION}: upgrade it")
            if not done:
                if dimension is None:
                    raise StoreError("the PostgreSQL store is empty: index articles into it first (askdefector index --store ...)")
                dimension_sql = int(dimension() if callable(dimension) else dimension)
            else:
                dimension_sql = int(conn.execute("SELECT value FROM askdefector_meta WHERE key = 'dimension'").fetchone()[0])
            for version in sorted(set(MIGRATIONS) - done):
                with conn.transaction():
                    conn.execute(MIGRATIONS[version].format(dimension=dimension_sql))
                    if version == 1:
                        meta = {"model": self.model_id, "dimension": str(dimension_sql), "stopwords": json.dumps(lexical._bm25s_stopwords())}
                        for key, value in meta.items():
                            conn.execute("INSERT INTO askdefector_meta VALUES (%s, %s)", (key, value))
                    conn.execute("INSERT INTO askdefector_migrations (version) VALUES (%s)", (version,))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))

    # -- reading ---------------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[PostgresReader]:
        with self._pool.connection() as conn:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield PostgresReader(conn, self.analyzer)

    # -- writing ---------------------------------------------------------------------------------

    def add(
        self,
        documents: Sequence[Document],
        embedder: Embedder,
        progress: ProgressFn | None = None,
        prune: bool = False,
        batch_texts: int = 512,
        verify: bool = False,
    ) -> WriteReport:
        """Store ``documents``: new and changed ones are split, embedded (reusing any vector the
        store already has for the same text) and written, a batch of about ``batch_texts`` new
        texts per transaction; with ``prune``, stored articles not among ``documents`` are deleted;
        with ``verify``, stored articles that fail their checks (``damaged``) are written again."""
        damaged = self.damaged() if verify else {}
        with self._pool.connection() as conn:
            if damaged:  # marked, so that the writes below replace them
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
                    conn.execute("UPDATE documents SET content_hash = 'damaged' WHERE id = ANY(%s)", (list(damaged),))
            stored = dict(conn.execute("SELECT id, content_hash FROM documents").fetchall())
        todo = [d for d in documents if stored.get(d.id) != content_hash(d)]
        prepared = [_prepare(d, self.analyzer) for d in todo]
        vectors = self._known_vectors(prepared)
        total = sum(len(p.missing) for p in prepared)
        done = embedded = 0
        if progress and total:
            progress(0, total)
        batch: list[_Prepared] = []
        for i, item in enumerate(prepared):
            batch.append(item)
            if sum(len(p.missing) for p in batch) >= batch_texts or i == len(prepared) - 1:
                texts = list(dict.fromkeys(t for p in batch for t in p.missing if text_hash(t) not in vectors))
                if texts:
                    vectors.update(zip((text_hash(t) for t in texts), embedder.encode(texts)))
                    embedded += len(texts)
                self._write(batch, vectors)
                done += sum(len(p.missing) for p in batch)
                if progress and total:
                    progress(min(done, total), total)
                batch = []
        removed = 0
        if prune:
            keep = {d.id for d in documents}
            removed = self.delete([d for d in stored if d not in keep])
        ids = {d.id for d in documents}
        mended = tuple(
            f"{note}: " + ("written again from its file" if doc_id in ids else "deleted" if prune else "index its file to mend it")
            for doc_id, note in damaged.items()
        )
        return WriteReport(len(todo), len(documents) - len(todo), removed, embedded, mended)

    def _known_vectors(self, prepared: Sequence[_Prepared]) -> dict[str, np.ndarray]:
        """Vectors the store already holds for any of these texts, by text hash; the rest are
        listed in each item's ``missing``."""
        digests = list({h for p in prepared for h in (*p.passage_hashes, *p.sentence_hashes)})
        known: dict[str, np.ndarray] = {}
        with self._pool.connection() as conn:
            for start in range(0, len(digests), 10_000):
                chunk = digests[start : start + 10_000]
                for table in ("sentences", "passages"):
                    rows = conn.execute(
                        f"SELECT DISTINCT ON (text_hash) text_hash, embedding FROM {table} WHERE text_hash = ANY(%s)", (chunk,)
                    )
                    known.update((h, _array(v)) for h, v in rows)
        for p in prepared:
            texts = dict(zip(p.passage_hashes, p.titled)) | dict(zip(p.sentence_hashes, p.sentence_texts))
            p.missing.extend(t for h, t in texts.items() if h not in known)
        return known

    def _write(self, batch: Sequence[_Prepared], vectors: dict[str, np.ndarray]) -> None:
        """A batch of articles in one transaction, all or nothing; an article another writer
        stored in this version meanwhile is skipped, an older version replaced."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
            ids = [p.document.id for p in batch]
            stored = dict(conn.execute("SELECT id, content_hash FROM documents WHERE id = ANY(%s)", (ids,)).fetchall())
            batch = [p for p in {p.document.id: p for p in batch}.values() if stored.get(p.document.id) != p.digest]
            for p in batch:
                if p.document.id in stored:
                    _delete(conn, p.document.id)
            if not batch:
                return
            n = sum(len(p.sentences) + len(p.passages) for p in batch)
            ids = [i for (i,) in conn.execute("SELECT nextval('askdefector_ids') FROM generate_series(1, %s)", (n,))]
            cur = conn.cursor()
            with cur.copy("COPY documents (id, content_hash, title, text, outlet, authors, date, source) FROM STDIN") as copy:
                for p in batch:
                    d = p.document
                    copy.write_row((d.id, p.digest, d.title, d.text, d.outlet, list(d.authors), d.date, d.source))
            _copy_rows(conn, batch, iter(ids), vectors)
            counts: Counter[str] = Counter()
            sentence_counts: Counter[str] = Counter()
            for p in batch:
                counts.update(t for words in p.passage_terms for t in set(words))
                sentence_counts.update(t for terms in p.sentence_terms for t in terms)
            terms = sorted(counts.keys() | sentence_counts.keys())
            conn.execute(
                "INSERT INTO terms SELECT * FROM unnest(%s::text[], %s::bigint[], %s::bigint[]) ON CONFLICT (term) DO UPDATE"
                " SET passages = terms.passages + excluded.passages, sentences = terms.sentences + excluded.sentences",
                (terms, [counts[t] for t in terms], [sentence_counts[t] for t in terms]),
            )
            conn.execute(
                "UPDATE totals SET documents = documents + %s, passages = passages + %s, sentences = sentences + %s,"
                " passage_length = passage_length + %s",
                (
                    len(batch),
                    sum(len(p.passages) for p in batch),
                    sum(len(p.sentences) for p in batch),
                    sum(len(w) for p in batch for w in p.passage_terms),
                ),
            )

    def delete(self, doc_ids: Collection[str]) -> int:
        """Remove these articles (ids not stored are ignored); returns how many were removed."""
        removed = 0
        for doc_id in doc_ids:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
                removed += _delete(conn, doc_id)
        return removed


def _copy_rows(conn, batch: Sequence[_Prepared], ids: Iterator[int], vectors: dict[str, np.ndarray]) -> None:
    """The batch's sentences, passages and postings, each table in one binary COPY (pgvector's
    text form costs a millisecond a vector in Python)."""
    passage_ids: list[list[int]] = []
    with conn.cursor().copy(
        "COPY sentences (id, doc_id, ord, paragraph, start, stop, text_hash, terms, embedding) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["int8", "text", "int4", "int4", "int4", "int4", "text", "text[]", "vector"])
        sentence_at = []
        for p in batch:
            at = {}
            for number, (s, h, terms) in enumerate(zip(p.sentences, p.sentence_hashes, p.sentence_terms)):
                at[s.start] = i = next(ids)
                copy.write_row((i, p.document.id, number, s.paragraph, s.start, s.end, h, terms, vectors[h]))
            sentence_at.append(at)
    with conn.cursor().copy(
        "COPY passages (id, doc_id, ord, paragraph, start, stop, members, text_hash, length, embedding) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["int8", "text", "int4", "int4", "int4", "int4", "int8[]", "text", "int4", "vector"])
        members: list[tuple[int, list[int]]] = []  # (passage id, its sentence ids)
        for p, at in zip(batch, sentence_at):
            mine = []
            for number, (q, h, words) in enumerate(zip(p.passages, p.passage_hashes, p.passage_terms)):
                mine.append(i := next(ids))
                members.append((i, [at[start] for start, _ in q.sentences]))
                copy.write_row((i, p.document.id, number, q.paragraph, q.start, q.end, members[-1][1], h, len(words), vectors[h]))
            passage_ids.append(mine)
    with conn.cursor().copy("COPY passage_members (sentence_id, passage_id) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "int8"])
        for i, sentence_ids in members:
            for member in dict.fromkeys(sentence_ids):
                copy.write_row((member, i))
    with conn.cursor().copy("COPY postings (term, passage_id, tf, length) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["text", "int8", "int4", "int4"])
        for p, mine in zip(batch, passage_ids):
            for i, words in zip(mine, p.passage_terms):
                for term, tf in Counter(words).items():
                    copy.write_row((term, i, tf, len(words)))


def _delete(conn, doc_id: str) -> int:
    """Remove one article and take its words out of the counters, inside the caller's transaction."""
    found = conn.execute(
        "SELECT count(*), coalesce(sum(length), 0) FROM passages WHERE doc_id = %s", (doc_id,)
    ).fetchone()
    sentences = conn.execute("SELECT count(*) FROM sentences WHERE doc_id = %s", (doc_id,)).fetchone()[0]
    conn.execute(
        "UPDATE terms t SET passages = t.passages - d.n FROM (SELECT term, count(*) AS n FROM postings"
        " WHERE passage_id IN (SELECT id FROM passages WHERE doc_id = %s) GROUP BY term) d WHERE t.term = d.term",
        (doc_id,),
    )
    conn.execute(
        "UPDATE terms t SET sentences = t.sentences - d.n FROM (SELECT term, count(*) AS n FROM sentences,"
        " unnest(terms) AS term WHERE doc_id = %s GROUP BY term) d WHERE t.term = d.term",
        (doc_id,),
    )
    gone = conn.execute("DELETE FROM documents WHERE id = %s", (doc_id,)).rowcount
    if gone:
        conn.execute(
            "UPDATE totals SET documents = documents - 1, passages = passages - %s, sentences = sentences - %s,"
            " passage_length = passage_length - %s",
            (found[0], sentences, found[1]),
        )
    return gone


def _array(vector: object) -> np.ndarray:
    """A vector as pgvector's adapter returns it (a ``Vector`` or an array), as float32."""
    return np.asarray(vector.to_numpy() if hasattr(vector, "to_numpy") else vector, dtype=np.float32)


def without_password(url: str) -> str:
    """The connection string as shown in messages: no password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc[-1]}"))


@dataclass
class _Prepared:
    """One article split and analysed, ready to be written."""

    document: Document
    digest: str
    passages: list[Passage]
    sentences: list
    titled: list[str]
    sentence_texts: list[str]
    passage_hashes: list[str]
    sentence_hashes: list[str]
    passage_terms: list[list[str]]  # every word, in order, as BM25 counts them
    sentence_terms: list[list[str]]  # distinct words
    missing: list[str]  # texts whose vectors the store lacks


def _prepare(doc: Document, analyzer: Analyzer) -> _Prepared:
    passages, sentences = make_passages([doc])
    titled = [f"{doc.title}: {p.text}" for p in passages]  # as the local store embeds and indexes them
    texts = [doc.text[s.start : s.end] for s in sentences]
    return _Prepared(
        document=doc,
        digest=content_hash(doc),
        passages=passages,
        sentences=sentences,
        titled=titled,
        sentence_texts=texts,
        passage_hashes=[text_hash(t) for t in titled],
        sentence_hashes=[text_hash(t) for t in texts],
        passage_terms=analyzer.terms_of(titled),
        sentence_terms=analyzer.distinct_terms_of(texts),
        missing=[],
    )


# Each passage's own cosine and its closest sentence's, for the passages in {passages}.
_SCORED = (
    "SELECT p.id, 1 - (p.embedding <=> %(q)s), max(1 - (s.embedding <=> %(q)s)) FROM {passages}"
    " JOIN sentences s ON s.id = ANY(p.members) GROUP BY p.id ORDER BY p.id"
)


class PostgresReader:
    """One read-only transaction: everything a question reads comes from one version of the store."""

    def __init__(self, conn, analyzer: Analyzer) -> None:
        self.conn = conn
        self.analyzer = analyzer
        self._documents: dict[str, Document] = {}
        self._totals: tuple[int, int, int, int] | None = None

    def _sizes(self) -> tuple[int, int, int, int]:
        if self._totals is None:
            self._totals = self.conn.execute("SELECT documents, passages, sentences, passage_length FROM totals").fetchone()
        return self._totals

    def size(self) -> StoreSize:
        documents, passages, sentences, _ = self._sizes()
        return StoreSize(documents, passages, sentences)

    def candidates(self, vector: np.ndarray, terms: Sequence[str], depth: int) -> Candidates:
        _, passages, _, length = self._sizes()
        if not passages:
            empty = np.zeros(0, dtype=np.float32)
            return Candidates(np.zeros(0, dtype=np.int64), empty, empty, empty)
        exact = passages <= EXACT_UP_TO
        lexical = self._bm25(terms, passages, length / passages, None if exact else depth)
        if exact:
            rows = self.conn.execute(_SCORED.format(passages="passages p"), {"q": vector}).fetchall()
        else:
            self.conn.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, depth)}")
            near = [i for (i,) in self.conn.execute("SELECT id FROM passages ORDER BY embedding <=> %s LIMIT %s", (vector, depth))]
            close = [i for (i,) in self.conn.execute("SELECT id FROM sentences ORDER BY embedding <=> %s LIMIT %s", (vector, depth))]
            rows = self.conn.execute(
                "WITH c AS (SELECT DISTINCT id FROM (SELECT unnest(%(ids)s::bigint[]) AS id UNION ALL"
                " SELECT passage_id FROM passage_members WHERE sentence_id = ANY(%(close)s::bigint[])) u) "
                + _SCORED.format(passages="c JOIN passages p USING (id)"),
                {"ids": near + list(lexical), "close": close, "q": vector},
            ).fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        return Candidates(
            ids,
            np.array([r[1] for r in rows], dtype=np.float32),
            np.array([r[2] for r in rows], dtype=np.float32),
            np.array([lexical.get(int(i), 0.0) for i in ids], dtype=np.float32),
        )

    def _bm25(self, terms: Sequence[str], passages: int, mean_length: float, depth: int | None) -> dict[int, float]:
        """BM25 (Lucene's IDF, as bm25s computes it) of every passage holding a query word, or
        of the ``depth`` best; a word asked twice counts twice."""
        if not terms:
            return {}
        rows = self.conn.execute(
            # float8 throughout: a bare 0.5 is numeric in SQL, and numeric ln() made this 10x slower
            "SELECT p.passage_id, sum(ln(1 + (%(n)s::float8 - t.passages + 0.5::float8) / (t.passages + 0.5::float8))"
            " * p.tf / (p.tf + %(k1)s::float8 * (1 - %(b)s::float8 + %(b)s::float8 * p.length / %(mean)s::float8))) AS score"
            " FROM unnest(%(terms)s::text[]) AS q(term) JOIN terms t USING (term) JOIN postings p USING (term)"
            " WHERE t.passages > 0 GROUP BY p.passage_id ORDER BY score DESC, p.passage_id"
            + (" LIMIT %(depth)s" if depth is not None else ""),
            {"n": passages, "k1": lexical.K1, "b": lexical.B, "mean": mean_length, "terms": list(terms), "depth": depth},
        ).fetchall()
        return {int(i): float(s) for i, s in rows}

    def sentence_cosines(self, sentences: Collection[int], vector: np.ndarray) -> dict[int, float]:
        rows = self.conn.execute(
            "SELECT id, 1 - (embedding <=> %s) FROM sentences WHERE id = ANY(%s)", (vector, [int(i) for i in sentences])
        )
        return {int(i): float(c) for i, c in rows}

    def members(self, passages: Sequence[int]) -> list[list[int]]:
        ids = [int(i) for i in passages]
        found = dict(self.conn.execute("SELECT id, members FROM passages WHERE id = ANY(%s)", (ids,)).fetchall())
        return [found[i] for i in ids]

    def sentences(self, ids: Collection[int]) -> dict[int, SentenceRecord]:
        if not ids:
            return {}
        rows = self.conn.execute(
            "SELECT s.id, s.doc_id, s.paragraph, s.start, s.stop, substr(d.text, s.start + 1, s.stop - s.start), s.terms,"
            " b.id, a.id FROM sentences s JOIN documents d ON d.id = s.doc_id"
            " LEFT JOIN sentences b ON b.doc_id = s.doc_id AND b.ord = s.ord - 1 AND b.paragraph = s.paragraph"
            " LEFT JOIN sentences a ON a.doc_id = s.doc_id AND a.ord = s.ord + 1 AND a.paragraph = s.paragraph"
            " WHERE s.id = ANY(%s)",
            ([int(i) for i in ids],),
        ).fetchall()
        return {r[0]: SentenceRecord(r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6]), r[7], r[8]) for r in rows}

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        found = {row[0]: row for row in self._passage_rows("p.id = ANY(%s)", ([int(i) for i in ids],))}
        return [self._passage(found[int(i)]) for i in ids]

    def passage(self, key: str) -> Passage | None:
        doc_id, _, number = key.rpartition("#")
        if not number.isdigit():
            return None
        rows = self._passage_rows("p.doc_id = %s AND p.ord = %s", (doc_id, int(number)))
        return self._passage(rows[0]) if rows else None

    def _passage_rows(self, where: str, params: tuple) -> list[tuple]:
        return self.conn.execute(
            "SELECT p.id, p.doc_id, p.ord, p.paragraph, p.start, p.stop, substr(d.text, p.start + 1, p.stop - p.start),"
            " (SELECT array_agg(ARRAY[s.start, s.stop] ORDER BY s.ord) FROM sentences s WHERE s.id = ANY(p.members))"
            f" FROM passages p JOIN documents d ON d.id = p.doc_id WHERE {where}",
            params,
        ).fetchall()

    @staticmethod
    def _passage(row: tuple) -> Passage:
        _, doc_id, number, paragraph, start, stop, text, spans = row
        return Passage(doc_id, f"{doc_id}#{number}", paragraph, start, stop, text, tuple((a, b) for a, b in spans))

    def document(self, doc_id: str) -> Document:
        doc = self._documents.get(doc_id)
        if doc is None:
            row = self.conn.execute(
                "SELECT id, title, text, outlet, authors, date, source FROM documents WHERE id = %s", (doc_id,)
            ).fetchone()
            if row is None:
                raise KeyError(doc_id)
            doc = self._documents[doc_id] = Document(row[0], row[1], row[2], row[3], tuple(row[4]), row[5], row[6])
        return doc

    def idf(self, terms: Collection[str]) -> dict[str, float]:
        _, _, sentences, _ = self._sizes()
        rows = self.conn.execute(
            "SELECT term, sentences FROM terms WHERE term = ANY(%s) AND sentences > 0", (list(set(terms)),)
        ).fetchall()
        return {t: math.log(1 + sentences / n) for t, n in rows}

