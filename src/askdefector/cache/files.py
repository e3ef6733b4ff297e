"""File helpers shared by the caches: content hashes, atomic writes and the folder's write lock
(writers take turns; readers need none)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK = ".lock"

Notify = Callable[[str], None]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def write_lock(folder: Path, notify: Notify | None = None, wait: bool = True, name: str = LOCK) -> Iterator[bool]:
    """Hold ``folder``'s lock file (``name``) while writing; yields False when the folder can't be
    written, or, with ``wait`` False, when another process holds the lock."""
    import fcntl

    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            message = f"waiting for another askdefector to finish writing {folder} ..."
            if notify:
                notify(message)
            else:  # the library called without ``notify``: never a silent wait
                warnings.warn(message, RuntimeWarning, stacklevel=3)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(fd)  # closing releases the lock


def busy(folder: Path) -> bool:
    """Whether another process holds ``folder``'s write lock right now."""
    import fcntl

    try:
        fd = os.open(folder / LOCK, os.O_RDONLY)
    except OSError:
        return False  # no lock file: nobody has written here yet
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


@functools.cache
def installed_version(package: str) -> str:
    """An installed package's version, read from its ``.dist-info`` folder beside it without
    importing it (importlib.metadata costs a one-question run about 12 ms); "" when not found."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is not None and spec.origin:
        site = Path(spec.origin).parent.parent
        found = sorted(p.name[len(package) + 1 : -len(".dist-info")] for p in site.glob(f"{package}-*.dist-info"))
        if len(found) == 1:
            return found[0]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return ""
