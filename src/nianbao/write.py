"""Write stage: atomic writes, so an interrupted run never leaves a half-written .docx behind."""

from __future__ import annotations

import base64
import contextlib
import errno
import os
import re
import stat
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import FOLDER_AT_OUTPUT, FileTrouble, os_error_text
from .schema import schema_file_name, schema_text
from .source import display_name
from .spec import Spec

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_file_name(name: str) -> str:
    """A file name valid on Windows and Linux (characters such as / : * ? are replaced by _)."""
    return _UNSAFE.sub("_", name).strip(" .") or "报告"


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


# The temporary files of write_atomic: ".<name>.<8 characters of mkstemp>.tmp"; one older than this
# was left by a run that was killed, and the next run writing the same file removes it.
STALE_AFTER_SECONDS = 600


# The temporary files this process is writing now: a SIGTERM removes them before the process exits
# (the default action would leave them behind; a killed worker of a batch gets SIGTERM from the kernel).
_WRITING: set[str] = set()


def exit_on_sigterm(signum: int, _frame: object, notice: str = "") -> None:
    """SIGTERM handler: remove this process's temporary files, say `notice` (if any), and exit at once."""
    for name in list(_WRITING):
        with contextlib.suppress(OSError):
            os.unlink(name)
    if notice:
        with contextlib.suppress(OSError):
            os.write(2, notice.encode("utf-8"))
    os._exit(128 + signum)


MAX_NAME_BYTES = 255  # a file name on Linux (and NTFS: 255 UTF-16 units, which this also keeps within)


def ensure_writable_name(target: Path, where: object, named: str, why: str, alternative: str = "") -> None:
    """Raise FileTrouble before anything is made when `target` cannot be written by its name: a name longer
    than a file system allows (said as the data that made it: `where` and `named`, the field, `why` the
    name is made of it, `alternative` another way out), or a folder standing where the file goes. The two
    troubles ENAMETOOLONG and EISDIR would say at the rename, said early with what to change."""
    if len(target.name.encode("utf-8")) > MAX_NAME_BYTES:
        raise FileTrouble(f"文件名过长（{len(target.name)} 个字），无法保存：{where} 的{named}太长；"
                          f"请缩短它（{why}）{alternative}", None)
    if os.path.isdir(target):  # False for a path the system refuses (too long, say): the write says why
        raise FileTrouble(FOLDER_AT_OUTPUT, display_name(target))


_TEMPORARY = re.compile(r"\.(.+)\.[A-Za-z0-9_]{8}\.tmp")
_RESCAN_AFTER_SECONDS = 60.0  # well below STALE_AFTER_SECONDS: see _stale_in
_stale_seen: dict[str, tuple[float, dict[str, list[str]]]] = {}  # folder → (when scanned, name → stale files)


def _stale_in(folder: Path) -> dict[str, list[str]]:
    """The stale temporary files of `folder`, by the name of the file each was for.

    A district run writes thousands of reports into one folder: the folder is listed once a minute, not
    once per report. A temporary file made after the listing is younger than the listing, so it cannot be
    stale before the next one (STALE_AFTER_SECONDS is ten times the interval): nothing is missed."""
    key = os.path.abspath(folder)
    now = time.time()
    seen = _stale_seen.get(key)
    if seen is not None and now - seen[0] < _RESCAN_AFTER_SECONDS:
        return seen[1]
    stale: dict[str, list[str]] = {}
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            match = _TEMPORARY.fullmatch(entry.name)
            if match is None:
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime > STALE_AFTER_SECONDS:
                    stale.setdefault(match.group(1), []).append(entry.path)
    _stale_seen[key] = (now, stale)
    return stale


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove temporary files of `target` left by a killed run (nianbao's own name pattern, old enough
    that no other run can still be writing them). Returns what was removed."""
    removed: list[Path] = []
    now = time.time()
    for path in _stale_in(target.parent).pop(target.name, []):
        with contextlib.suppress(OSError):
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_AFTER_SECONDS:
                os.unlink(path)
                removed.append(Path(path))
    return removed


def _create_temporary(target: Path) -> tuple[int, str]:
    """A new temporary file beside `target` (mode 0600), named like tempfile.mkstemp's.

    The name is registered in _WRITING *before* the file is created, so a SIGTERM arriving at any moment
    (even between the creation and the return) finds it and removes it: no half-written file is left."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        name = os.path.join(target.parent, f".{target.name}.{base64.b32encode(os.urandom(5)).decode().lower()}.tmp")
        _WRITING.add(name)
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            _WRITING.discard(name)
        except OSError:
            _WRITING.discard(name)
            raise
        except BaseException:  # interrupted (Ctrl+C) around the creation: the random name is ours if it exists
            with contextlib.suppress(OSError):
                os.unlink(name)
            _WRITING.discard(name)
            raise
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target.parent))


def write_atomic(target: Path, data: bytes | Iterable[bytes], before_rename: Callable[[], None] | None = None) -> None:
    """Write `data` (bytes, or pieces of bytes written as they come) to a temporary file beside `target`,
    then rename it into place. If making the pieces raises, the temporary file is removed.

    `before_rename` runs just before the rename (e.g. the overwrite check again): if it raises, the
    temporary file is removed and `target` is left as it is.
    """
    try:
        if not os.path.isdir(target.parent):  # one stat, not a failed mkdir and a stat, for each report
            target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target)
        fd, temp_name = _create_temporary(target)
    except OSError as exc:
        if isinstance(exc, FileExistsError) and not os.path.isdir(target.parent):  # mkdir met a file: say it so
            exc = NotADirectoryError(errno.ENOTDIR, "")
        raise FileTrouble(f"无法在 {target.parent} 中写文件：{os_error_text(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes | bytearray | memoryview):
                handle.write(data)
            else:
                for chunk in data:
                    handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file 0600: give it the mode of the file it replaces, else what the umask gives.
        os.chmod(temp_name, _mode_for(target))
        if before_rename is not None:
            before_rename()
        os.replace(temp_name, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise FileTrouble(f"无法写入 {target}：{os_error_text(exc)}") from None
        raise
    finally:
        _WRITING.discard(temp_name)


def write_schema_beside(spec: Spec, data_file: Path, partial: bool = False) -> Path:
    """Write the template's JSON Schema beside `data_file` (what its `# yaml-language-server` line names),
    unless an identical one is already there; its path. `partial`: the schema with nothing required, for
    a file completed by shared defaults."""
    target = data_file.parent / schema_file_name(spec, partial)
    text = schema_text(spec, partial)
    data = text.encode("utf-8")
    try:
        # Only a regular file of about the right size is read (never a FIFO or a device left there).
        if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
            return target
    except OSError:
        pass
    write_atomic(target, data)
    return target
