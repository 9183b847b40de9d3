"""Where nianbao keeps what it has worked out once and may reuse in the next run, and how it writes there.

Each cache (the prepared Word template, the template spec, compiled text patterns) keys its entries by
the content they were made from, so that a changed file can never meet a stale entry. This module only
says where the folder is and writes a file atomically: a reader sees a whole entry or none, even with
several runs writing at once.

Where: $NIANBAO_CACHE_DIR, else $XDG_CACHE_HOME/nianbao, else ~/.cache/nianbao. `NIANBAO_CACHE=0`
switches every cache off. A cache is only a shortcut: an entry that cannot be read or written is ignored.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from .version import __version__


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is switched off."""
    if os.environ.get("NIANBAO_CACHE", "").strip().lower() in ("0", "off", "no", "false"):
        return None
    explicit = os.environ.get("NIANBAO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nianbao"


def code_mark(*module_files: str) -> str:
    """What ties an entry to the code that wrote it: nianbao's version, the Python version, and the size and
    modification time of the given source files (so that an edited checkout does not trust old entries)."""
    marks = [__version__, sys.version]
    for path in module_files:
        try:
            stat = os.stat(path)
            marks.append(f"{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            marks.append("?")
    return "|".join(marks)


def read_quietly(path: Path) -> bytes | None:
    """A cache entry's bytes, or None when it is missing or cannot be read."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_quietly(path: Path, data: bytes) -> None:
    """Write a cache entry atomically (a temporary file renamed over it); silently skipped on any OS error."""
    import tempfile  # only when writing: a start that finds its entries does not load it (nor shutil, random)

    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except OSError:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
