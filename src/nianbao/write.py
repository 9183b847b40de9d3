"""Write stage: atomic writes, so an interrupted run never leaves a half-written .docx behind."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from .errors import FileTrouble

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


def write_atomic(target: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `target`, then rename it into place."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise FileTrouble(f"无法在 {target.parent} 中写文件：{exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file 0600: give it the mode of the file it replaces, else what the umask gives.
        os.chmod(temp_name, _mode_for(target))
        os.replace(temp_name, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise FileTrouble(
                f"无法写入 {target}：{exc.strerror or exc}（文件是否正在 Word 中打开？）"
            ) from None
        raise
