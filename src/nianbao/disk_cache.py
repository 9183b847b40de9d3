"""Where nianbao keeps what it has worked out once and may reuse in the next run, and how it writes there.

Each cache (the prepared Word template, the template spec, compiled text patterns) keys its entries by
the content they were made from, so that a changed file can never meet a stale entry. This module only
says where the folder is and writes a file atomically: a reader sees a whole entry or none, even with
several runs writing at once.

Where: $NIANBAO_CACHE_DIR, else $XDG_CACHE_HOME/nianbao, else ~/.cache/nianbao. `NIANBAO_CACHE=0`
switches every cache off. A cache is only a shortcut: an entry that cannot be read or written is ignored.

Whose: the caches hold code (compiled code, pickles, Jinja's bytecode) that every run loads, so on POSIX a
folder is used only when it belongs to the user running nianbao and no one else may write in it (not
group- or world-writable); a folder nianbao makes is private (0o700). Any other folder (a shared
NIANBAO_CACHE_DIR, say) is not used at all: the run goes without caches and says so in one line on stderr,
once a run. An entry read must belong to the user too and be writable by no one else. On Windows, as before.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
from pathlib import Path

from .version import __version__

_POSIX = os.name == "posix"  # where ownership and modes say who may write (on Windows: not checked)
_PRIVATE = 0o700
_warned: set[str] = set()  # folders refused and said so in this process


def cache_dir() -> Path | None:
    """The cache folder (made private if it is not there yet), or None when caching is switched off or the
    folder is not the user's own (see the module's docstring)."""
    if os.environ.get("NIANBAO_CACHE", "").strip().lower() in ("0", "off", "no", "false"):
        return None
    explicit = os.environ.get("NIANBAO_CACHE_DIR")
    if explicit:
        folder = Path(explicit)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = Path(base) / "nianbao"
    if not _POSIX:
        return folder
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        _make_private(folder)
        try:
            info = os.stat(folder)
        except OSError:
            return folder  # cannot be made (read-only disk…): entries are only missed and not written
    except OSError:
        return None  # cannot be looked at: nothing in it could be read either
    if not explicit and info.st_uid == os.geteuid() and info.st_mode & 0o022:
        # nianbao's own folder in the usual place, made before folders were private (under a umask such as
        # 002): the user's own, so it is made private rather than refused at every run.
        with contextlib.suppress(OSError):
            os.chmod(folder, _PRIVATE)
            info = os.stat(folder)
    if _is_own(info):
        return folder
    _warn_once(folder)
    return None


def private_subfolder(folder: Path, name: str) -> Path | None:
    """`folder / name` (a cache folder's own subfolder, for entries another library reads and writes itself,
    such as Jinja's bytecode), made private if it is not there yet; None when it cannot be made or (POSIX) is
    not the user's own or may be written by someone else."""
    path = folder / name
    with contextlib.suppress(FileExistsError, OSError):
        path.mkdir(mode=_PRIVATE)
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None
    if _POSIX and info.st_uid == os.geteuid() and info.st_mode & 0o022:
        _tighten(path)  # made under a umask such as 002 by an older nianbao: the user's own, inside their folder
        try:
            info = os.stat(path)
        except OSError:
            return None
    if _POSIX and not _is_own(info):
        return None
    return path


def _tighten(folder: Path) -> None:
    """Make the user's own `folder` private, then remove what others could have put in it meanwhile (files
    not the user's own or writable by others): whoever reads them (Jinja) does not check (quietly)."""
    try:
        os.chmod(folder, _PRIVATE)
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        entry = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            if not _is_own(os.lstat(entry)):
                os.unlink(entry)


def _is_own(info: os.stat_result) -> bool:
    """The user's own (effective user), and writable by no one else."""
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022


def _make_private(folder: Path) -> None:
    """Make `folder` and any missing folder above it, each readable by its owner only (quietly)."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing.append(path)
    for path in reversed(missing):
        try:
            path.mkdir(mode=_PRIVATE)
        except FileExistsError:  # made by another run meanwhile
            continue
        except OSError:
            return


def _warn_once(folder: Path) -> None:
    """One line on stderr, once in a run (not again in its worker processes)."""
    multiprocessing = sys.modules.get("multiprocessing")
    if str(folder) in _warned or (multiprocessing is not None and multiprocessing.parent_process() is not None):
        return
    _warned.add(str(folder))
    with contextlib.suppress(OSError, ValueError, UnicodeError):
        print(f"提示：缓存文件夹 {folder} 不属于当前用户或其他用户也能写入，为安全起见本次运行不使用缓存（会慢一些）。"
              f"请改用自己的文件夹（设置 NIANBAO_CACHE_DIR）；文件夹是自己的就运行 chmod 700 {folder}，不是自己的（例如用 sudo 运行时由 root 建的）就删去它或改回自己的（sudo chown -R）；"
              "设置 NIANBAO_CACHE=0 可关闭缓存，也不再显示这条提示。", file=sys.stderr)


def code_mark(*module_files: str) -> str:
    """What ties an entry to the code that wrote it: nianbao's version, the Python version, and the size and
    modification time of the given source files (so that an edited checkout does not trust old entries)."""
    marks = [__version__, sys.version]
    for path in module_files:
        try:
            info = os.stat(path)
            marks.append(f"{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            marks.append("?")
    return "|".join(marks)


def read_quietly(path: Path) -> bytes | None:
    """A cache entry's bytes, or None when it is missing or cannot be read, or (POSIX) is not the user's own
    or may be written by someone else."""
    try:
        with open(path, "rb") as handle:
            if _POSIX and not _is_own(os.fstat(handle.fileno())):
                return None
            return handle.read()
    except OSError:
        return None


def write_quietly(path: Path, data: bytes) -> None:
    """Write a cache entry atomically (a temporary file renamed over it); silently skipped on any OS error."""
    import tempfile  # only when writing: a start that finds its entries does not load it (nor shutil, random)

    temp = None
    try:
        _make_private(path.parent)
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


