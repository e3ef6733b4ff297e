"""The JSON API in-process (Starlette's test client) over the real model and the shipped corpus."""

from __future__ import annotations

import json
import re
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.testclient import TestClient

from askdefector import cli
from askdefector.render import answer_dict
from askdefector.server import MAX_BODY, STATIC, create_app
from conftest import CORPUS


@pytest.fixture(scope="module")
def client(kb):
    with TestClient(create_app(kb, corpus="corpus"), raise_server_exceptions=False) as c:
        yield c


def test_ask_answers_like_the_library_with_exact_quotes(client, kb):
    response = client.post("/api/ask", json={"question": "how many times was he shot"})
    assert response.status_code == 200
    data = response.json()
    assert data == answer_dict(kb.ask("how many times was he shot"))
    assert data["found"] and "five" in data["quotes"][0]["text"]
    assert {q["outlet"] for q in data["quotes"]} == {"NBC News", "Business Insider"}
    for quote in data["quotes"]:
        assert kb.document(quote["doc_id"]).text[quote["start"] : quote["end"]] == quote["text"]


def test_follow_up_uses_the_history_sent(client):
    alone = client.post("/api/ask", json={"question": "How many times?"}).json()
    follow = client.post("/api/ask", json={"question": "How many times?", "history": ["Who shot him?"]}).json()
    assert not alone["found"]
    assert follow["found"] and "five times" in follow["quotes"][0]["text"]


def test_declines_what_the_articles_do_not_say(client):
    data = client.post("/api/ask", json={"question": "Who painted the Mona Lisa?", "k": 2}).json()
    assert data["found"] is False and len(data["quotes"]) == 2


def test_json_escapes_controls_and_bidi_overrides(client):
    question = "Who shot him?\u202e\x9b"
    response = client.post("/api/ask", json={"question": question})
    assert "\u202e" not in response.text and "\x9b" not in response.text and "\\u202e" in response.text
    assert response.json()["question"] == question


def test_search_ranks_passages(client, kb):
    data = client.get("/api/search", params={"q": "Panmunjom", "k": 2}).json()
    assert data["query"] == "Panmunjom" and len(data["hits"]) == 2
    assert "Panmunjom" in data["hits"][0]["text"]
    hit = data["hits"][0]
    assert kb.document(hit["doc_id"]).text[hit["start"] : hit["end"]] == hit["text"]


def test_document_by_id_and_never_a_file(client, kb):
    doc_id = "nbc-news-oh-chong-song.md"
    data = client.get(f"/api/documents/{doc_id}").json()
    assert data["text"] == kb.document(doc_id).text and data["outlet"] == "NBC News"
    assert "source" not in data  # where it was read from stays on the server
    for path in ("/api/documents/nope.md", "/api/documents/%2e%2e/%2e%2e/etc/passwd", "/api/documents/..%2fREADME.md"):
        response = client.get(path)
        assert response.status_code == 404 and response.json() == {"error": "no document with that id"}


def test_health_names_corpus_model_and_store(client):
    data = client.get("/api/health").json()
    assert data["status"] == "ok" and data["corpus"] == "corpus" and data["store"] == "local"
    assert data["documents"] == 2 and data["passages"] > 0 and "MiniLM" in data["model"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"question": "   "}, 400, "the question is empty"),
        ({}, 400, "the question is missing"),
        ({"question": 42}, 400, "the question must be a string"),
        ({"question": "x" * 1001}, 400, "over 1000 characters"),
        ({"question": "Who?", "history": "Who shot him?"}, 400, "history must be a list"),
        ({"question": "Who?", "history": [1]}, 400, "history must be a list"),
        ({"question": "Who?", "k": 0}, 400, "k must be"),
        ({"question": "Who?", "k": 1.5}, 400, "k must be"),
        ({"question": "Who?", "k": True}, 400, "k must be"),
        (["Who shot him?"], 400, "JSON object"),
    ],
)
def test_bad_requests_get_a_json_message(client, body, status, message):
    response = client.post("/api/ask", json=body)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_bad_bodies_and_routes_are_json_errors(client):
    not_json = client.post("/api/ask", content=b"question=hi", headers={"content-type": "text/plain"})
    assert not_json.status_code == 400 and "JSON object" in not_json.json()["error"]
    huge = client.post("/api/ask", content=b"{" + b" " * MAX_BODY + b"}")
    assert huge.status_code == 413 and "over" in huge.json()["error"]
    streamed = client.post("/api/ask", content=iter([b" " * 40_000] * 3))  # no content-length
    assert streamed.status_code == 413
    assert client.get("/api/ask").status_code == 405 and client.get("/api/ask").json() == {"error": "method not allowed"}
    assert client.get("/nowhere").json() == {"error": "not found"}
    assert client.get("/api/search").status_code == 400
    assert client.get("/api/search", params={"q": "shot", "k": "many"}).status_code == 400


@pytest.mark.parametrize(
    "request_args",
    [
        ("post", "/api/ask", {"content": b"[" * 30_000 + b"]" * 30_000}),  # nested past Python's recursion limit
        ("post", "/api/ask", {"content": b'{"question": "Who?", "k": ' + b"9" * 5_000 + b"}"}),
        ("get", "/api/search", {"params": {"q": "shot", "k": "\u00b2"}}),  # a digit to str.isdigit, not to int
        ("get", "/api/search", {"params": {"q": "shot", "k": "9" * 5_000}}),
    ],
)
def test_malformed_input_is_a_400_not_a_crash(kb, request_args, capsys):
    method, path, kwargs = request_args
    with TestClient(create_app(kb)) as strict:  # re-raises anything that escapes the app
        response = getattr(strict, method)(path, **kwargs)
    assert response.status_code in (400, 413), response.text
    assert "error" in response.json()
    assert "Traceback" not in capsys.readouterr().err


def test_an_engine_failure_is_a_json_500_without_traceback(kb, capsys):
    class Broken:
        report, embedder, document = kb.report, kb.embedder, kb.document

        def ask(self, *args, **kwargs):
            raise RuntimeError("disk on fire")

    with TestClient(create_app(Broken())) as broken:  # type: ignore[arg-type]  # re-raises what escapes the app
        response = broken.post("/api/ask", json={"question": "Who shot him?"})
    assert response.status_code == 500 and "internal error" in response.json()["error"]
    assert "Traceback" not in response.text and "disk on fire" not in response.text
    assert "disk on fire" in capsys.readouterr().err  # one line for whoever runs the server


def test_concurrent_clients_get_their_own_answers(client, kb):
    """Eight threads at once, each with its own history: every answer is the one it gets alone."""
    asks = [
        {"question": "How many times?", "history": ["Who shot him?"]},
        {"question": "How many times?"},
        {"question": "What vehicle was he driving?"},
        {"question": "Who painted the Mona Lisa?"},
        {"question": "Where did he cross?", "history": ["What did he do in the army?"]},
        {"question": "Does he blame them?", "history": ["Who shot him?"]},
        {"question": "Which newspaper interviewed him?"},
        {"question": "How old is he?"},
    ] * 3
    alone = [answer_dict(kb.ask(a["question"], history=a.get("history"))) for a in asks]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda a: client.post("/api/ask", json=a).json(), asks))
    assert together == alone


def test_page_and_assets_need_nothing_from_elsewhere(client):
    page = client.get("/")
    assert page.status_code == 200 and 'id="question"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    for name in ("chat.js", "chat.css"):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200
    for path in STATIC.iterdir():
        text = path.read_text("utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), f"{path.name} loads from elsewhere"
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "<script>" not in text.replace(
            '<script src="/static/chat.js" defer></script>', ""
        )


def test_serve_refuses_a_missing_index_without_writing(tmp_path, capsys):
    cache = tmp_path / "cache"
    code = cli.main(["serve", "--corpus", str(CORPUS), "--cache", str(cache), "--port", "0"])
    err = capsys.readouterr().err
    assert code == 1
    assert "askdefector index" in err and "--allow-index" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not any(p.is_file() for p in cache.rglob("*"))


def test_serve_rejects_a_bad_or_taken_port(capsys):
    assert cli.main(["serve", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--corpus", str(CORPUS), "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and len(err.strip().splitlines()) == 1


def test_serve_opens_an_up_to_date_index_read_only(kb, kb_cache):
    """What the server opens with: the same engine, and not one file of the cache touched."""
    import askdefector

    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in kb_cache.rglob("*") if p.is_file()}
    served = askdefector.open(CORPUS, cache_dir=kb_cache, read_only=True)
    assert served.report.embedded == 0
    assert json.dumps(answer_dict(served.ask("Who shot him?"))) == json.dumps(answer_dict(kb.ask("Who shot him?")))
    after = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in kb_cache.rglob("*") if p.is_file()}
    assert after == before
