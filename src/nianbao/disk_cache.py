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
import re
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


# Entries of a kind written once per version of the code (code_cache's generated code, regex_cache's known
# patterns: `<interpreter>-<checksum of the mark>.marshal` in the kind's own folder): a checkout edited, an
# upgrade or another Python each leaves one that is never read again. Those beyond the newest are removed.
KEEP_VERSIONS = 4
VERSION_ENTRY = r"[A-Za-z0-9_][A-Za-z0-9_.-]*-[0-9a-f]{8}\.marshal"  # compiled only when pruning: a start
VERSION_TEMPORARY = r"\.[A-Za-z0-9_.-]+-[0-9a-f]{8}\.marshal\.[a-z0-9_]+\.tmp"  # compiles no pattern
_TEMPORARY_STALE_SECONDS = 3600


def prune_versions(kept: Path) -> list[str]:
    """After writing `kept`, an entry of one version of the code: `prune_entries` keeping KEEP_VERSIONS."""
    return prune_entries(kept, re.compile(VERSION_ENTRY), re.compile(VERSION_TEMPORARY), KEEP_VERSIONS)


def touch_quietly(path: Path) -> None:
    """Mark an entry just read as used now: among the newest that `prune_entries` keeps."""
    with contextlib.suppress(OSError):
        os.utime(path)


def prune_entries(kept: Path, entry_name: re.Pattern[str], temporary_name: re.Pattern[str], keep: int) -> list[str]:
    """Remove the entries of the folder of `kept` (just written) named as `entry_name` beyond the `keep`
    newest, `kept` always among those left, and stale temporary files named as `temporary_name` (left by a
    run killed in write_quietly); the names removed.

    "Newest" is the most recently used: an entry read from the cache has its time set then (touch_quietly).
    Only files of those exact name patterns are looked at (regular files, not links), and a file is
    removed only if it is still as listed (same inode and time) when looked at just before the unlink.
    That is all this guarantees: another run may still replace or use an entry between that look and the
    unlink, or prune at the same time; the cost is only that a run which loses its entry makes it again
    (a cache is a shortcut, never the only copy of anything)."""
    import stat
    import time

    folder = kept.parent
    found: list[tuple[int, str, os.stat_result]] = []
    stale: list[tuple[str, os.stat_result]] = []
    now = time.time()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                ours = entry_name.fullmatch(entry.name) is not None
                if not ours and temporary_name.fullmatch(entry.name) is None:
                    continue
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    if not stat.S_ISREG(info.st_mode):
                        continue
                    if ours and entry.name != kept.name:
                        found.append((info.st_mtime_ns, entry.name, info))
                    elif not ours and now - info.st_mtime > _TEMPORARY_STALE_SECONDS:
                        stale.append((entry.name, info))
    except OSError:
        return []
    found.sort(reverse=True)  # newest first
    doomed = [(name, info) for _, name, info in found[keep - 1:]] + stale
    removed = []
    for name, info in doomed:
        path = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            now_info = os.lstat(path)
            if (now_info.st_ino, now_info.st_dev, now_info.st_mtime_ns) == (info.st_ino, info.st_dev, info.st_mtime_ns):
                os.unlink(path)
                removed.append(name)
    return removed


