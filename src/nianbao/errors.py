"""One exception hierarchy for the library; the CLI maps it to exit codes in one place."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .problems import Problem


# Said by write.ensure_writable_name before writing and by guard.ensure_replaceable when a folder appears just before
# the rename (both floors import this module; neither may import the other).
FOLDER_ADVICE = "换一个输出文件名，或删去（改名）这个文件夹"  # also write's advice for EISDIR at the rename
FOLDER_AT_OUTPUT = f"输出路径是一个文件夹，不能用文件替换它；请{FOLDER_ADVICE}"


class NianbaoError(Exception):
    """Base of every error the library raises on purpose; its message is shown to the user as is."""

    exit_code = 1

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where} {self.message}" if self.where else self.message

    def format(self) -> str:
        """The line shown to the user: `file 错误：message`."""
        return f"{self.where} 错误：{self.message}" if self.where else f"错误：{self.message}"


class FileTrouble(NianbaoError):
    """A data file or output path cannot be read or written (exit 1)."""

    exit_code = 1


class TemplateTrouble(NianbaoError):
    """The template folder, its .docx or its fields/rules files are unusable (exit 1)."""

    exit_code = 1


class UsageTrouble(NianbaoError):
    """The command was called wrongly (exit 2)."""

    exit_code = 2


class ChecksFailed(NianbaoError):
    """The data has errors: nothing was written (exit 3)."""

    exit_code = 3

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


class OutputProtected(FileTrouble):
    """An existing output was edited since generation, or is not nianbao's: it is kept (pass force to replace)."""

    exit_code = 1

    def __init__(self, message: str, target: Path) -> None:
        super().__init__(message)
        self.target = target


# Every OS error said to the user, in one table: the cause in Chinese and what to do, for writing (the default)
# and, where it differs, for reading. Nothing of the system's own (English) text is shown: an errno not in the
# table is said as a system error with its number.
_NO_WRITE = ("没有写入权限", "换一个有权限的输出文件夹；如果文件正在 Word/WPS 中打开，请先关闭")
_NO_READ = ("没有读取权限", "检查文件的权限；如果文件正在其他程序中打开，请先关闭")
_IN_USE = ("文件正被另一个程序占用（可能正在 Word/WPS 或 Excel 中打开）", "关闭它后再试")
_WRITING_CAUSES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("磁盘已满", "清理磁盘空间后再试"),
    errno.EDQUOT: ("磁盘配额已用完", "清理空间或请管理员增加配额后再试"),
    errno.EACCES: _NO_WRITE,
    errno.EPERM: _NO_WRITE,
    errno.EISDIR: ("路径是文件夹", FOLDER_ADVICE),
    errno.ENAMETOOLONG: ("文件名过长", "缩短机关名称或标题，或换一个较短的输出文件夹"),
    errno.EROFS: ("磁盘是只读的", "换一个可以写入的输出文件夹"),
    errno.ENOTDIR: ("路径中有一段是文件而不是文件夹", "检查输出文件夹的路径"),
    errno.ENOENT: ("文件夹不存在（可能刚被删除或移走）", "检查文件夹的路径后再试"),
    errno.EEXIST: ("同名的文件已经存在", "换一个输出文件名，或删去（改名）已有的文件后再试"),
    errno.EMFILE: ("同时打开的文件太多", "关闭其他程序后再试；批量生成时可以用 -j 减少同时运行的进程数"),
    errno.ENFILE: ("系统中同时打开的文件太多", "关闭其他程序后再试；批量生成时可以用 -j 减少同时运行的进程数"),
    errno.EIO: ("磁盘读写出错（磁盘、U 盘或网络盘可能有故障或已断开）", "检查磁盘和连接后再试"),
    errno.EXDEV: ("文件不能在两个磁盘（分区）之间直接移动", "换一个输出文件夹后再试"),
    errno.EBUSY: ("文件或文件夹正被占用", "关闭正在使用它的程序后再试"),
    errno.ETXTBSY: ("文件正被一个运行中的程序占用", "关闭该程序后再试"),
    errno.ELOOP: ("路径中的链接（快捷方式）循环指向自己", "检查路径中的链接"),
    errno.EINVAL: ("这个磁盘不接受该文件名或路径（可能含有不允许的字符）", "换一个文件名或输出文件夹后再试"),
    errno.EFBIG: ("文件超过了这个磁盘允许的大小", "换一个磁盘后再试"),
    errno.ENOMEM: ("内存不足", "关闭其他程序后再试；批量生成时可以用 -j 减少同时运行的进程数"),
    errno.EAGAIN: ("系统暂时无法完成这个操作", "稍后再试"),
    errno.ENOTEMPTY: ("文件夹不是空的", "换一个输出文件夹后再试"),
    errno.EOPNOTSUPP: ("这个磁盘不支持所需的操作", "换一个本地磁盘上的文件夹后再试"),
    errno.ENOTSUP: ("这个磁盘不支持所需的操作", "换一个本地磁盘上的文件夹后再试"),
    getattr(errno, "ESTALE", -1): ("网络盘上的文件已失效", "重新连接网络盘后再试"),
    errno.ETIMEDOUT: ("访问磁盘超时（网络盘可能已断开）", "检查网络连接后再试"),
}
_READING_CAUSES: dict[int, tuple[str, str]] = {
    **_WRITING_CAUSES,
    errno.EACCES: _NO_READ,
    errno.EPERM: _NO_READ,
    errno.ENOENT: ("找不到这个文件", "检查路径和文件名是否正确"),
    errno.EISDIR: ("这是一个文件夹，不是文件", "检查路径"),
    errno.ENOTDIR: ("路径中有一段是文件而不是文件夹", "检查路径"),
    errno.ENAMETOOLONG: ("文件名或路径过长", "把文件移到路径较短的文件夹中，或缩短文件名"),
    errno.ELOOP: ("路径中的链接（快捷方式）循环指向自己", "检查路径中的链接"),
    errno.EINVAL: ("系统不接受这个文件名或路径（可能含有不允许的字符）", "检查路径和文件名"),
}
# An error that reached the command line unsaid, met reading or writing: said without guessing which.
_ANY_CAUSES: dict[int, tuple[str, str]] = {
    **_READING_CAUSES,
    errno.EACCES: ("没有访问权限", "检查文件和文件夹的权限；如果文件正在 Word/WPS 中打开，请先关闭"),
    errno.EPERM: ("没有访问权限", "检查文件和文件夹的权限；如果文件正在 Word/WPS 中打开，请先关闭"),
    errno.ENOENT: ("找不到这个文件或文件夹", "检查路径是否正确"),
    errno.EISDIR: ("这是一个文件夹，不是文件", "检查路径"),
    errno.ENAMETOOLONG: ("文件名或路径过长", "缩短文件名，或换一个路径较短的文件夹"),
}
# Windows error codes Python keeps in OSError.winerror: said before the errno Python derives from them (a
# sharing violation arrives as EACCES, but the cure is to close the file, not to change permissions).
_WINDOWS_CAUSES: dict[int, tuple[str, str]] = {
    32: _IN_USE,  # ERROR_SHARING_VIOLATION
    33: _IN_USE,  # ERROR_LOCK_VIOLATION
    1224: _IN_USE,  # ERROR_USER_MAPPED_FILE
    21: ("磁盘未就绪（U 盘或光盘可能已拔出）", "插好磁盘后再试"),  # ERROR_NOT_READY
    53: ("找不到网络路径", "检查网络盘的连接后再试"),  # ERROR_BAD_NETPATH
    67: ("找不到网络名称", "检查网络盘的连接后再试"),  # ERROR_BAD_NET_NAME
    123: ("文件名或路径中有 Windows 不允许的字符", "换一个文件名或文件夹后再试"),  # ERROR_INVALID_NAME
    206: ("文件名或路径过长", "换一个路径较短的文件夹，或缩短文件名"),  # ERROR_FILENAME_EXCED_RANGE
    112: ("磁盘已满", "清理磁盘空间后再试"),  # ERROR_DISK_FULL
    1392: ("文件或文件夹已损坏", "检查磁盘（chkdsk）后再试"),  # ERROR_FILE_CORRUPT
}


def os_error_text(exc: OSError, reading: bool | None = False) -> str:
    """An OS error in the user's words, all in Chinese: the cause, then what to do (`reading`: the error met
    while reading a file the user gave; False: while writing an output; None: not known). The system's own
    text is never shown."""
    winerror = getattr(exc, "winerror", None)
    known = _WINDOWS_CAUSES.get(winerror) if isinstance(winerror, int) else None
    if known is None:
        table = _ANY_CAUSES if reading is None else _READING_CAUSES if reading else _WRITING_CAUSES
        known = table.get(exc.errno or 0)
    if known is None:
        code = exc.errno if exc.errno is not None else winerror
        cause = f"系统错误（错误代码 {code}）" if isinstance(code, int) else "系统错误"
        known = (cause, "检查输出文件夹后再试" if reading is False else "检查这个文件和它所在的文件夹后再试")
    return f"{known[0]}。{known[1]}"


_SURROGATES = re.compile("[\ud800-\udfff]")


def os_error_file(exc: OSError) -> str:
    """The file an OS error names, as the user would know it: as given when relative, relative to the working
    folder when inside it, else only its name (never a temporary file's absolute path); "" when none is named.
    A byte of the name that is not UTF-8 is U+FFFD."""
    named = exc.filename
    if not isinstance(named, str | bytes) or not named:
        return ""
    text = os.fsdecode(named)
    if os.path.isabs(text):
        try:
            folder = os.path.join(os.getcwd(), "")
        except OSError:  # the working folder itself is gone
            folder = ""
        text = text[len(folder):] if folder and text.startswith(folder) else os.path.basename(text.rstrip("/\\")) or text
    return _SURROGATES.sub("\ufffd", text)


# OS errors that are the user's to mend even when they name no file (the disk, the quota, open files).
_WITHOUT_FILE = {errno.ENOSPC, errno.EDQUOT, errno.EMFILE, errno.ENFILE}


def os_error_to_say(exc: BaseException) -> OSError | None:
    """`exc` when it is an OS error to say to the user (os_error_text): one the table knows that names a file
    (or is about the disk, quota or open files), other than a broken pipe (whoever read the output went away,
    as in `nianbao check ... | head`: nothing to say, as click does). None for anything else: an OSError
    without an errno, an errno the table does not know or one naming no file (an EINVAL from a call given
    wrong arguments) comes from a bug and is said as one, with its details for the maintainers."""
    if not isinstance(exc, OSError) or exc.errno is None or exc.errno == errno.EPIPE:
        return None
    winerror = getattr(exc, "winerror", None)
    if not (exc.errno in _ANY_CAUSES or (isinstance(winerror, int) and winerror in _WINDOWS_CAUSES)):
        return None
    return exc if os_error_file(exc) or exc.errno in _WITHOUT_FILE else None


def os_error_line(exc: OSError) -> str:
    """`file 错误：cause。advice` for an OS error no layer said (met reading or writing: not known)."""
    named = os_error_file(exc)
    return f"{named} 错误：{os_error_text(exc, reading=None)}" if named else f"错误：{os_error_text(exc, reading=None)}"
