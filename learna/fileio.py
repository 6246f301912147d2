"""Crash-safe file I/O: atomic writes, append-only JSON lines with torn-line repair, JSON parsing that
never raises anything but a :class:`~learna.errors.LearnaError`, and one writer per run directory.

* :func:`atomic_write_bytes` and friends: readers see the old or the new file, never a partial one.
* :func:`append_jsonl` appends one JSON value per line and fsyncs it; :func:`read_jsonl` skips a torn last
  line (a crash mid-append) and :func:`repair_jsonl` cuts it off before the next append, so an appended
  line never glues onto half a line.
* :func:`parse_json` turns every way JSON can fail (syntax, nesting deep enough to exhaust the recursion
  limit, integers too long to convert) into one error of the caller's choosing.
* :class:`DirectoryLock`: an exclusive ``flock`` on ``DIR/.lock``, naming the holder's PID; the kernel
  releases it when the holder dies, so a crashed run never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

from learna.errors import InputFileError, LearnaError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new file, never a partial one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the permissions open() would
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(path, text.encode())


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def parse_json(text: str | bytes, where: str, error: type[LearnaError] = InputFileError) -> Any:
    """``json.loads(text)``; any failure becomes ``error`` with a one-line message naming ``where``."""
    try:
        return json.loads(text)
    except RecursionError:
        raise error(f"{where} is not valid JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and integers too long to convert
        raise error(f"{where} is not valid JSON: {' '.join(str(exc).split())}") from None


def append_jsonl(path: Path, value: Any, default: Callable[[Any], Any] | None = None) -> None:
    """Append ``value`` as one JSON line (``default`` converts what json cannot) and fsync it before
    returning: a crash loses nothing written."""
    line = json.dumps(value, sort_keys=isinstance(value, dict), default=default) + "\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def read_jsonl(path: Path, expect: type | None = dict) -> Iterator[Any]:
    """The values of a JSON-lines file (each an ``expect`` instance unless ``expect`` is None). A torn last
    line (a crash mid-write) is skipped; any other bad line raises :class:`InputFileError`."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read {path}: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = parse_json(line, f"{path}: line {number}")
        except InputFileError:
            if number == len(lines):
                continue
            raise InputFileError(f"{path}: line {number} is not valid JSON (corrupted file)") from None
        if expect is not None and not isinstance(value, expect):
            raise InputFileError(f"{path}: line {number} is not a JSON {'object' if expect is dict else expect.__name__}")
        yield value


def repair_jsonl(path: Path) -> None:
    """Make a JSON-lines file safe to append to: an unterminated last line is terminated when it is
    complete JSON and cut off when it is torn."""
    path = Path(path)
    if not path.exists():
        return
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return
    cut = data.rfind(b"\n") + 1
    try:
        json.loads(data[cut:])
        complete = True
    except (ValueError, RecursionError):
        complete = False
    with open(path, "ab" if complete else "r+b") as handle:
        if complete:
            handle.write(b"\n")
        else:
            handle.truncate(cut)
        handle.flush()
        os.fsync(handle.fileno())


class DirectoryLock:
    """An exclusive lock on a run directory (``with DirectoryLock(path, "run directory"): ...``).

    A second process (or a second lock in this one) is refused with a one-line
    :class:`InputFileError` naming the holder's PID. The lock is an ``flock`` on ``DIR/.lock``: it
    disappears with its holder, so a killed run never blocks the next one.
    """

    FILE = ".lock"

    def __init__(self, directory: Path, what: str = "directory") -> None:
        self.directory, self.what = Path(directory), what
        self._fd: int | None = None

    def __enter__(self) -> "DirectoryLock":
        path = self.directory / self.FILE
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputFileError(f"cannot use {self.what} {self.directory}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise InputFileError(f"{self.what} {self.directory} is in use by process {holder}: wait for it to "
                                 "finish, or choose another directory") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc_info) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
