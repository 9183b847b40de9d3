"""Read a YAML data file into a tree of located nodes, safely and strictly.

Scalars are never resolved the YAML 1.1 way: every scalar keeps the text that was typed, so a postcode
``010010`` stays ``"010010"``, ``12:30`` stays text and ``no`` is not a boolean. The loader decides the type
of each value from the field list. Duplicate keys and explicit tags (``!!python/...``) are refused.

Three readers give the same tree: `_quick` reads a file written the usual way line by line (most of a
district run's reading), `_build` reads libyaml's events for anything else, and `_convert(_compose())`
reads libyaml's or pure-Python PyYAML's node tree when `_build` meets something unusual (a syntax error,
whose message comes from there). tests/test_fast_source.py holds them to agreeing.
"""

from __future__ import annotations

import codecs
import functools
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import FileTrouble, os_error_text
from .problems import Location, Problem, error, warning
from .spec import normalize_label, resolved_text
from .values import PLAIN_COUNT, clean_text
from .wordml import not_a_docx_reason

if TYPE_CHECKING:
    import yaml

# Bounds on what one data file may hold. The largest real reports (a prefecture-level city such as
# 淮安市, 3119 applications, whole report about 15 000 characters) stay far below each of them.
MAX_DATA_BYTES = 2 * 1024 * 1024  # a data file of one office is a few kilobytes
MAX_TEXT_CHARS = 100_000  # one text value (a whole part of the report pasted in one block)
MAX_NESTING = 50  # mappings and lists inside each other; the official tables need at most 6

# Tags that PyYAML's safe resolver assigns implicitly; anything else was written explicitly with "!".
_IMPLICIT_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge", "value")
}


class Node:
    """A YAML node with the place it was written. `items` for mappings, `children` for sequences.

    A plain slotted class, not a dataclass: a district run makes some 300 of them per office."""

    __slots__ = ("kind", "location", "text", "style", "items", "_children", "counts")

    def __init__(self, kind: str, location: Location, text: str = "", style: str | None = None,
                 children: list[Node] | None = None) -> None:
        self.kind = kind  # "map", "seq" or "scalar"
        self.location = location
        self.text = text  # scalar text exactly as typed (after YAML unquoting / block folding)
        self.style = style  # scalar style: None plain, "'" '"' "|" ">"
        self.items: list[tuple[Node, Node]] = []
        self._children: list[Node] | None = [] if children is None else children
        # A list of plain counts on one line (`[0, 3, 12]`, the usual row of a table): their texts, read
        # directly by the loader; the nodes of `children` are made only when something asks for them.
        self.counts: list[str] | None = None

    @property
    def children(self) -> list[Node]:
        children = self._children
        if children is None:
            assert self.counts is not None
            children = self._children = [Node("scalar", self.location, text) for text in self.counts]
        return children

    @children.setter
    def children(self, children: list[Node]) -> None:
        self._children = children
        self.counts = None

    def __repr__(self) -> str:
        return f"Node({self.kind!r}, {self.location!r}, text={self.text!r})"

    @property
    def line(self) -> int:
        return self.location.line

    def is_empty(self) -> bool:
        """True for a value left blank (``key:`` with nothing, ``~`` or ``null``)."""
        return self.kind == "scalar" and self.style is None and self.text in ("", "~", "null", "Null", "NULL")

    def describe(self) -> str:
        return {"map": "键值结构", "seq": "列表"}.get(self.kind, "文本")


@dataclass
class SourceFile:
    """A data file read from disk: its display name, its root node, and problems found while reading."""

    path: Path
    display: str
    root: Node | None
    problems: list[Problem]


_SURROGATES = re.compile("[\ud800-\udfff]")


def shown_name(text: str) -> str:
    """A file name as it can be shown and written (in UTF-8): a byte of the name that is not UTF-8 (a lone
    surrogate from os.fsdecode) is U+FFFD, the replacement character."""
    return _SURROGATES.sub("\ufffd", text) if _SURROGATES.search(text) else text


def display_name(path: Path) -> str:
    """The path as shown in messages: relative to the working directory when possible (tried as given,
    then resolved: a symlink keeps the name it was given), else as given. Compared as text, as
    `Path.relative_to` would compare these normalised absolute paths: a path starting with exactly "//"
    (kept so by POSIX and pathlib) is under a folder only if that folder starts with "//" too. A byte of
    the name that is not UTF-8 is shown as U+FFFD (shown_name)."""
    return shown_name(_display_name(path))


def _display_name(path: Path) -> str:
    folder = resolved_text(os.getcwd())  # texts, not Paths: asked for every office
    inside = folder if folder.endswith("/") else folder + "/"
    double = folder.startswith("//") and not folder.startswith("///")
    absolute = os.path.abspath(path)
    for candidate in (absolute, None):
        if candidate is None:  # the resolved path, looked for (a system call) only when needed
            candidate = resolved_text(path)
        if (candidate.startswith("//") and not candidate.startswith("///")) != double:
            continue
        if candidate == folder:
            return "."
        if candidate.startswith(inside):
            return candidate[len(inside) :]
    return str(path)


class SharedNames:
    """How a file meant to be shared (the summary workbook, the review page) names the run's files: relative
    to the folder the run is about, the common folder of its offices' data files (`双加镇.yaml` for a run
    over one folder, `2023/安宁街道.yaml` and `2024/安宁街道.yaml` for a run over two); a file beside that
    folder (last year's, in the district's folder) relative to its parent (`2023/安宁街道.yaml`); any other
    by its name alone. Never an absolute path, never `..`, and the same text whatever the working directory.
    A folder less than two levels deep (`/`, `/home`, `/tmp`, a drive) is never the run's folder nor its
    parent: when the files have no deeper common folder (or none at all, on different drives), each is named
    by its name alone, never by a user's folder.

    The folder is found in the one pass over the offices (`add`): one text kept, whatever their number.
    Messages name files as the terminal shows them (source.display_name: relative to the working directory
    or as given); `text` rewrites those names in a message, a place or a note."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        # Absolute and normalised (os.path.abspath), not resolved; given, or found by `add`.
        self.folder: str | None = None if folder is None else os.path.abspath(folder)
        self._pattern: re.Pattern[str] | None = None
        self._last_file: str | None = None
        self._last_shown = ""
        self._scattered = False  # the files have no common folder at all (different drives)
        self._known: list[str] | None = None  # the folders' forms `name` knows, found when first needed

    def add(self, path: str | os.PathLike[str]) -> None:
        """One more office's data file."""
        if self._scattered:
            return  # no common folder (files on different drives): every file named by its name alone
        folder = os.path.dirname(os.path.abspath(path))
        if self.folder is None:
            self.folder = folder
        elif folder != self.folder and not folder.startswith(_inside(self.folder)):
            try:
                self.folder = os.path.commonpath([self.folder, folder])
            except ValueError:  # on Windows, folders on different drives have none
                self._scattered = True
        else:
            return
        self._pattern = None
        self._last_file = None
        self._known = None

    def name(self, path: str | os.PathLike[str]) -> str:
        """A file's shared name (see the class)."""
        absolute = os.path.abspath(path)
        for folder in self._folders():
            if absolute.startswith(_inside(folder)):
                return shown_name(absolute[len(_inside(folder)):])
        return shown_name(os.path.basename(absolute))

    def text(self, text: str) -> str:
        """`text` with every file name in it as `name` gives it: names under the run's folder (or its parent)
        in any form the terminal shows them, then any other absolute path or path starting with `..` cut to
        its last part. The absolute forms of the folder, and any other absolute path of two parts or more,
        are cut whatever follows (a file of any suffix, a folder); a relative form (`2024/`) or `..` only
        before a file the tool names (`_NAMED_SUFFIXES`: .yaml, .docx, ...), maybe followed by `:line`, so a
        date `2024/12/31`, `和/或`, `1/2`, `“/”` or a URL (`http://x/y.html`) is left as it is, whatever the
        folder is named. A file's name may hold brackets, after one space too (`安宁街道 (1).yaml`). A name
        may follow a Chinese character when it is absolute and ends in a suffix (`文件/srv/x.csv不存在`)."""
        if not isinstance(text, str) or ("/" not in text and os.sep not in text):
            return text  # not a text: left to the cell writer, which says what it cannot write
        pattern = self._pattern
        if pattern is None:
            pattern = self._pattern = self._compile()
        return pattern.sub(self._replace, text)

    def place(self, location: Location) -> str:
        """A problem's place (`file:line`), its file named as `name` names it (also through the folder's
        resolved form), whatever the working directory. An office's problems mostly name its one data file:
        the last file's name is kept, not worked out again for each of them."""
        file = location.file
        if file != self._last_file:
            self._last_file, self._last_shown = file, self._place_name(file)
        return f"{self._last_shown}:{location.line}" if location.line else self._last_shown

    def _place_name(self, file: str) -> str:
        absolute = os.path.abspath(file)
        known = self._known
        if known is None:
            known = self._known = []
            for folder in self._folders():
                for form in (folder, os.path.realpath(folder)):
                    if _inside(form) not in known:
                        known.append(_inside(form))
            known.sort(key=len, reverse=True)
        for form in known:
            if absolute.startswith(form):
                return shown_name(absolute[len(form):])
        return shown_name(os.path.basename(absolute))

    def _folders(self) -> list[str]:
        """The run's folder and its parent, each only when it is at least two levels deep: a filesystem or
        drive root and the folders right below it (/home, /tmp, C:\\Users) are never a run's folder, so
        a run whose files have no deeper common folder names each file by its name alone (never by a
        user's folder)."""
        if self.folder is None or self._scattered:
            return []
        parent = os.path.dirname(self.folder)
        return [folder for folder in dict.fromkeys((self.folder, parent)) if _depth(folder) >= 2]

    def _compile(self) -> re.Pattern[str]:
        """The forms the run's folder and its parent take in a message: absolute (as given, and with links
        resolved), and relative to the working directory; the longest first, so that a name under the
        folder is cut to the folder, not to its parent. An absolute form is long and unambiguous: it is cut
        wherever it starts a name (a file of any suffix, a folder: `/…/2024/报告`). A relative form (`2024/`)
        is cut only before a file's path ending in a named suffix, which keeps `2024/12/31` as typed."""
        absolute: list[str] = []
        relative: list[str] = []
        here = os.getcwd()
        for folder in reversed(self._folders()):  # the parent first: the folder's own forms win a tie
            for form in (folder, os.path.realpath(folder), _relative(folder, here)):
                if form is not None and form not in (".", os.curdir):
                    forms = absolute if os.path.isabs(form) else relative
                    if _inside(form) not in forms:
                        forms.append(_inside(form))
        sep = re.escape(os.sep) if os.sep == "/" else "/" + re.escape(os.sep)
        stops = rf"\s{sep}:：（）()「」“”，、；"
        segment = rf"[^{stops}]+"
        # The last part of a file's path: a name, which may hold a bracketed part with no space inside
        # (`安宁街道(1).yaml`, `安宁街道（副本）.yaml`), also after one space (`安宁街道 (1).yaml`, a Windows
        # copy); any other space or Chinese punctuation ends the path. Then its suffix and no more of a name.
        part = rf"(?:[^{stops}]|[ ]?[(（][^{stops}]*[)）])*?"
        named = rf"{part}\.(?i:{_NAMED_SUFFIXES})(?![A-Za-z0-9_{sep}])"
        suffixed = rf"{part}\.[A-Za-z][A-Za-z0-9]*(?![A-Za-z0-9_{sep}])"
        folders = rf"(?:{segment}[{sep}])"
        # Any other path: one climbing out with `..` when it ends in a named file; an absolute path of two
        # parts or more, whatever its last part, cut before that part; right after a word (a Chinese
        # character: `文件/srv/x.csv不存在`) only when it ends in a file's suffix (`是/否/不适用` stays).
        other = (rf"(?:\.\.[{sep}])+{folders}*(?={named})"
                 rf"|(?<!\w)[{sep}]{folders}+(?=[^{stops}]|[(（])"
                 rf"|[{sep}](?={segment}[{sep}]){folders}*(?={suffixed})")
        # Where a name can start, looked at before anything else (a message is mostly Chinese text); not
        # inside a word, a name or a URL (`://`); after a Chinese character only an absolute path.
        firsts = {form[0] for form in absolute + relative} | {".", "/", os.sep}
        starts = re.escape("".join(sorted(firsts)))
        begin = rf"(?=[{starts}])(?<![A-Za-z0-9_.{sep}:-])(?:(?<!\w)|(?=[{sep}]))"
        known = []
        if absolute:
            known.append("(?P<absolute>" + "|".join(map(re.escape, sorted(absolute, key=len, reverse=True))) + ")")
        if relative:
            relative_forms = "|".join(map(re.escape, sorted(relative, key=len, reverse=True)))
            known.append(rf"(?P<relative>{relative_forms})(?={folders}*{named})")
        return re.compile(rf"{begin}(?:{'|'.join([*known, other])})")

    def _replace(self, match: re.Match[str]) -> str:
        """Nothing in place of the folders before a name, unless the name is inside a URL (`http://x.cn/路径/
        子/页.html`: after a Chinese character inside it)."""
        text, start = match.string, match.start()
        scheme = text.rfind("://", 0, start)
        if scheme >= 0 and not _URL_END.search(text, scheme, start):
            return match.group()
        return ""


_URL_END = re.compile(r"[\s，、；。：（）「」“”<>\"']")


def _inside(folder: str) -> str:
    return folder if folder.endswith(os.sep) else folder + os.sep


# The files the tool names in a message, by their suffix: data files, Word reports and templates, forms and
# the workbook, the review page, reports imported from text, web pages or PDF (report_reader), and the old
# Office formats it says it cannot read.
_NAMED_SUFFIXES = "yaml|yml|docx|doc|xlsx|xls|txt|html|htm|xhtml|shtml|pdf"


def _depth(folder: str) -> int:
    """How many folders deep an absolute folder is: 0 for a root (`/`, `C:\\`), 1 for /home."""
    return len([part for part in os.path.splitdrive(folder)[1].split(os.sep) if part])


def _relative(folder: str, here: str) -> str | None:
    """`folder` relative to `here`, or None when it has no such form (on Windows, another drive)."""
    try:
        return os.path.relpath(folder, here)
    except ValueError:
        return None


def command_name(path: Path) -> str:
    """A file as a command written into a generated file names it (`运行 nianbao build …`): as the terminal
    shows it when that is a path inside the working directory (runnable from where the user ran nianbao),
    else by its name alone (never an absolute path or a way out with `..`: the file may be shared)."""
    shown = display_name(path)
    first = shown.split(os.sep, 1)[0]
    if os.path.isabs(shown) or first == os.pardir or (os.altsep is not None and shown.startswith(os.altsep)):
        return shown_name(os.path.basename(os.path.abspath(path)))
    return shown


def _special_file(mode: int, display: str, what: str) -> FileTrouble | None:
    """The trouble with a file of `mode` that exists but is neither a regular file nor a folder: a device
    such as /dev/zero or /dev/urandom never ends and a named pipe (FIFO) blocks until someone writes to it,
    so reading either would hang."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = "命名管道（FIFO）" if stat.S_ISFIFO(mode) else "设备文件" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "特殊文件"
    return FileTrouble(f"这是一个{kind}，不是保存在磁盘上的普通文件，无法作为{what}读取（读取它会没有尽头或一直等待）；请给出真正的文件", display)


def read_bytes(path: Path, display: str, what: str, limit: int | None = None) -> bytes:
    """A file's bytes, refusing one over `limit`; every OS error said in Chinese (`what` names the kind of file).

    Only a regular file is read: a FIFO would block forever and a device such as /dev/zero (a symlink to
    it, say) reports size 0 and never ends. The read itself stops after `limit` bytes, so a file that
    grows, or whose size was misreported, costs at most that much memory. The file is looked at once
    (one stat).
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise FileTrouble(f"这是一个文件夹，不是{what}", display)
        special = _special_file(info.st_mode, display, what)
        if special is not None:
            raise special
        with path.open("rb") as handle:  # bounded even if the file grows while it is read
            if limit is None:
                data = handle.read()
            else:
                # What read(limit + 1) gives, asked first for the size the file has (one byte more, to see
                # it grow): a read of `limit + 1` bytes makes a buffer that large for every file.
                first = min(info.st_size, limit) + 1
                data = handle.read(first)
                if len(data) == first and first <= limit:
                    data += handle.read(limit + 1 - first)
        if limit is not None and len(data) > limit:
            size = max(len(data), info.st_size)
            raise FileTrouble(f"文件太大（{_megabytes(size)}），{what}不会超过 {limit // 1024 // 1024} MB", display)
        return data
    except OSError as exc:  # said from the one table (a missing file, no permission, open in Excel, ...)
        said = os_error_text(exc, reading=True)
        raise FileTrouble(said if isinstance(exc, FileNotFoundError) else f"读取文件失败：{said}", display) from None


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def read_text(path: Path, display: str) -> tuple[str, list[Problem]]:
    """Read a file as text, accepting UTF-8 (with or without BOM), UTF-16 with BOM, and GBK/GB18030."""
    raw = read_bytes(path, display, what="数据文件", limit=MAX_DATA_BYTES)
    if raw.startswith((b"PK\x03\x04", bytes.fromhex("D0CF11E0A1B11AE1"))):
        reason = not_a_docx_reason(raw)
        raise FileTrouble(
            reason or "这是 Word 文档或压缩包，不是数据文件（.yaml）。要检查 Word 报告，文件名应以 .docx 结尾",
            display,
        )
    problems: list[Problem] = []
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), problems
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), problems
    try:
        return raw.decode("utf-8"), problems
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise FileTrouble(
            "无法识别文件编码：既不是 UTF-8 也不是 GBK。请用记事本或 WPS 打开后“另存为”，编码选择 UTF-8",
            display,
        ) from None
    problems.append(
        warning(
            Location(display),
            "文件是 GBK 编码，已按 GBK 读取",
            "建议用记事本或编辑器“另存为”UTF-8 编码，避免在其他电脑上出现乱码",
        )
    )
    return text, problems


_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffe\uffff]")  # never typed; \x0b \x0c: Word's line/page breaks


def _control_characters(text: str, display: str) -> list[Problem]:
    """One warning naming the first line holding invisible control characters (a NUL, a bell…) that are
    removed: a name must not change without a word."""
    found = _INVISIBLE.search(text)
    if found is None:
        return []
    count = len(_INVISIBLE.findall(text))
    line = text.count("\n", 0, found.start()) + 1
    return [warning(Location(display, line),
                    f"有 {count} 个看不见的控制字符（第一个是 U+{ord(found.group()):04X}），已删除",
                    "这些字符不能写进 Word 文档，多半是复制粘贴带来的；请核对这一行的文字是否完整")]


def load_source(path: Path) -> SourceFile:
    """Read and parse one YAML file. File-system trouble raises `FileTrouble`; content trouble is a Problem."""
    display = display_name(path)
    text, problems = read_text(path, display)
    # The usual file has none of the characters the quick reader leaves to libyaml, which include every
    # character the steps below remove, turn into "\n" or warn about: one search passes them over.
    plain = _QUICK_REFUSED.search(text) is None
    if not plain:
        # Control characters pasted from Word (cell marks, manual line breaks…): YAML refuses most of them
        # and .docx XML cannot hold them. Line breaks of every kind (NEL included) become "\n" first.
        # A NUL byte is no paste from Word but damage (or a file of another encoding): said, then removed.
        if "\x00" in text:
            line = clean_text(text[: text.index("\x00")]).count("\n") + 1
            problems.append(warning(
                Location(display, line),
                f"文件中有 {text.count(chr(0))} 个空字节（NUL），已删除",
                "文件可能已损坏：请核对这一行的文字，然后用记事本或编辑器“另存为”UTF-8 编码",
            ))
        problems.extend(_control_characters(text.replace("\x00", ""), display))
        text = clean_text(text)
    if _CONTENT_LINE.search(text) is None:  # only blank lines and comments
        problems.append(
            error(Location(display), "文件是空的，没有任何数据", "参照 data/ 下的示例文件填写，或用 nianbao new 生成")
        )
        return SourceFile(path, display, None, problems)
    refused = _anchors_and_aliases(text, display)
    if refused:
        problems.extend(refused)
        return SourceFile(path, display, None, problems)
    before = len(problems)
    try:
        return SourceFile(path, display, _quick(text, display, problems, plain), problems)
    except _Unusual:
        del problems[before:]  # read again below, where anything unusual is said
    import yaml  # only here: the usual file is read by _quick alone, and PyYAML's import is most of a start

    if _composers()[0] is not None:
        try:
            root = _build(text, display, problems)
        except _TooDeep:
            problems.append(_too_deep(display))
            return SourceFile(path, display, None, problems)
        except (yaml.YAMLError, _Unusual):
            del problems[before:]  # composed again below, where the messages come from
        else:
            if root is None:
                problems.append(error(Location(display), "文件是空的，没有任何数据"))
                return SourceFile(path, display, None, problems)
            return SourceFile(path, display, root, problems)
    try:
        composed = _compose(text)
    except RecursionError:
        problems.append(_too_deep(display))
        return SourceFile(path, display, None, problems)
    except yaml.MarkedYAMLError as exc:
        problems.append(_syntax_problem(exc, display, text))
        return SourceFile(path, display, None, problems)
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for syntax
        problems.append(error(Location(display), f"YAML 格式错误：{exc}"))
        return SourceFile(path, display, None, problems)
    if composed is None:
        problems.append(error(Location(display), "文件是空的，没有任何数据"))
        return SourceFile(path, display, None, problems)
    try:
        root = _convert(composed, display, problems)
    except _TooDeep:
        problems.append(_too_deep(display))
        return SourceFile(path, display, None, problems)
    return SourceFile(path, display, root, problems)


class _TooDeep(Exception):
    """Nesting beyond MAX_NESTING: no report needs it, and deep recursion is a way to crash a reader."""


def _too_deep(display: str) -> Problem:
    return error(
        Location(display),
        f"嵌套层次太深（超过 {MAX_NESTING} 层）",
        "年报数据最多只需几层缩进，请检查是否误写了大量“[”“{”或缩进",
    )


def _anchors_and_aliases(text: str, display: str) -> list[Problem]:
    """Refuse YAML anchors (&name) and aliases (*name).

    Nothing in a report needs them, and nested aliases ("billion laughs") expand exponentially when the
    tree is walked. The event stream is linear in the file size, and it is scanned only when the text holds
    "&" or "*" at all, so an ordinary file costs nothing here.
    """
    if "&" not in text and "*" not in text:
        return []
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    problems: list[Problem] = []
    named: set[tuple[bool, str]] = set()  # each anchor and each alias name is reported once
    try:
        for event in yaml.parse(text, Loader=loader):
            anchor = getattr(event, "anchor", None)
            if anchor is None or (isinstance(event, yaml.AliasEvent), anchor) in named:
                continue
            named.add((isinstance(event, yaml.AliasEvent), anchor))
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            if isinstance(event, yaml.AliasEvent):
                problems.append(
                    error(
                        Location(display, line),
                        f"不支持 YAML 别名「*{anchor}」",
                        "把要重复的内容直接写出来，不要用 & 和 * 引用",
                    )
                )
            else:
                problems.append(
                    error(
                        Location(display, line),
                        f"不支持 YAML 锚点「&{anchor}」",
                        "删除 &名称，把内容直接写出来；年报数据不需要锚点和别名",
                    )
                )
            if len(problems) >= 5:
                break
    except yaml.YAMLError:
        return []  # a syntax error: composing reports it with its line
    except RecursionError:
        return [_too_deep(display)]
    return problems


@functools.cache
def _composers() -> tuple[type | None, type]:
    """The libyaml composer (None when PyYAML was built without libyaml) and the pure-Python one, both
    tagging every untagged node as text, sequence or mapping without trying the YAML 1.1 patterns (bool,
    int, float, timestamp…) on each scalar: nianbao reads the typed text itself, so that work was thrown
    away. An explicit tag (`!!python/…`) is still the node's tag, and is refused in _convert.

    Made on first use: PyYAML is imported only for a file the quick line reader (_quick) leaves to it."""
    import yaml

    class _PlainResolver(yaml.resolver.BaseResolver):
        def resolve(self, kind: type, value: Any, implicit: Any) -> str:
            if kind is yaml.ScalarNode:
                return self.DEFAULT_SCALAR_TAG
            return self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else self.DEFAULT_MAPPING_TAG

    fast: type | None = None
    if getattr(yaml, "__with_libyaml__", False):
        from yaml.cyaml import CParser  # type: ignore[attr-defined]

        class _FastComposer(CParser, _PlainResolver):  # type: ignore[misc]
            def __init__(self, stream: str) -> None:
                CParser.__init__(self, stream)
                _PlainResolver.__init__(self)

        fast = _FastComposer

    class _PlainComposer(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,  # type: ignore[misc]
                         yaml.composer.Composer, _PlainResolver):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _PlainResolver.__init__(self)

    return fast, _PlainComposer


def __getattr__(name: str) -> Any:
    """`_FAST` (the libyaml composer or None) and `_PlainComposer`, made on first use (see _composers)."""
    if name == "_FAST":
        return _composers()[0]
    if name == "_PlainComposer":
        return _composers()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Unusual(Exception):
    """Something a quicker reader leaves to a slower one: the quick line reader (_quick) to libyaml's events
    (_build), the event builder to the composer (an alias, a second document). The file is read again."""


def _build(text: str, display: str, problems: list[Problem]) -> Node | None:
    """The node tree straight from libyaml's events, with the checks of `_convert` (tags, text length,
    nesting, duplicate keys) made on the way: no intermediate `yaml.Node` tree, no resolver calls per node.

    The result and the problems are those `_convert(_compose(text))` gives. Anything unusual (a syntax
    error, an alias, more than one document) raises, and the caller composes again the ordinary way."""
    import yaml

    fast = _composers()[0]
    assert fast is not None
    parser = fast(text)
    try:
        get = parser.get_event
        get()  # stream start
        event = get()
        if type(event) is yaml.StreamEndEvent:
            return None
        places: dict[int, Location] = {}  # one Location per line: a key and its value share it
        # The open collections below the innermost one, which is held in the locals `parent` (None at the
        # top), `seen` (its keys so far; None for a list), `children` (a list's nodes; None for a mapping)
        # and `key` (a mapping's key waiting for its value). One event at a time, so the loop is kept lean:
        # it runs for every scalar of every office in a district.
        stack: list[tuple[Node | None, dict[str, Node] | None, list[Node] | None, Node | None]] = []
        parent: Node | None = None
        seen: dict[str, Node] | None = None
        children: list[Node] | None = None
        key: Node | None = None
        node: Node
        scalar, map_start, seq_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
        map_end, seq_end, implicit_tags, max_text = yaml.MappingEndEvent, yaml.SequenceEndEvent, _IMPLICIT_TAGS, MAX_TEXT_CHARS
        depth = 0  # len(stack) + 1 inside a collection, 0 outside: the depth of the node an event starts
        while True:
            event = get()
            kind = type(event)
            if kind is scalar or kind is map_start or kind is seq_start:
                if depth > MAX_NESTING:
                    raise _TooDeep
                line = event.start_mark.line + 1
                location = places.get(line)
                if location is None:
                    location = places[line] = Location(display, line)
                tag = event.tag
                if tag is not None and tag != "!" and tag not in implicit_tags:
                    problems.append(_tag_problem(location, tag))
                if kind is scalar:
                    value = event.value
                    if len(value) > max_text:
                        problems.append(_too_long(location, len(value)))
                        value = ""
                    node = Node("scalar", location, value, event.style or None)  # libyaml says "" for plain
                    if children is not None:
                        children.append(node)
                        continue
                else:
                    stack.append((parent, seen, children, key))
                    depth += 1
                    key = None
                    if kind is map_start:
                        parent, seen, children = Node("map", location), {}, None
                    else:
                        parent, seen = Node("seq", location), None
                        children = parent.children
                    continue
            elif kind is map_end or kind is seq_end:
                assert parent is not None
                node = parent
                parent, seen, children, key = stack.pop()
                depth -= 1
                if children is not None:
                    children.append(node)
                    continue
            else:
                raise _Unusual  # an alias: refused before, composed again to be sure
            if parent is None:
                root = node
                break
            assert seen is not None  # a mapping: a list's nodes were added above
            if key is None:
                key = node
                continue
            if _key_accepted(key, seen, problems):
                parent.items.append((key, node))
            key = None
        if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
            raise _Unusual  # a second document: the composer says so
        return root
    finally:
        parser.dispose()


# What the quick reader (below) leaves to libyaml: characters YAML reads specially or refuses (controls,
# tabs, the line separators of YAML 1.1, a BOM), and the first characters that make a value something else
# than a plain text (an anchor, alias, tag, flow mapping, block sequence, folded text, directive…).
_QUICK_REFUSED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# A line that is neither blank nor a comment: its first character that is not whitespace (str.strip's
# whitespace) is not "#". A file without one is empty.
_CONTENT_LINE = re.compile(r"^[^\S\n]*[^\s#]", re.MULTILINE)  # not \s*: it would rescan runs of blank lines (quadratic)
_NOT_IN_KEY = frozenset("#:[]{},'\"\\")
_NOT_IN_ITEM = frozenset("#:[]{},'\"\\")
_NOT_IN_TEXT = frozenset("[]{}\\")
# Keys the quick reader has found plain, in this process, each with its folded form (normalize_label).
_PLAIN_KEYS: dict[str, str] = {}
# A `[1, 2, 3]` row of plain counts only (values.PLAIN_COUNT), read by load._Walker._row without nodes.
_COUNTS = re.compile(f"(?: *{PLAIN_COUNT} *,)* *{PLAIN_COUNT} *")


def _quick(text: str, display: str, problems: list[Problem], plain: bool = False) -> Node:
    """The node tree of a data file written the usual way, read line by line without libyaml.

    A data file is nearly always block mappings of `键: 值` lines whose values are plain or single-line
    quoted texts, `[a, b, c]` lists of plain values, or `|` blocks. Those are read here (with the same
    duplicate-key checks as `_build`, in the same order); anything else raises `_Unusual`, and the caller
    reads the file with libyaml, whose verdict then stands: this reader never refuses, never accepts
    what libyaml would refuse, and gives exactly `_build`'s tree (tests/test_fast_source.py)."""
    if not plain and _QUICK_REFUSED.search(text) is not None:  # `plain`: searched already by the caller
        raise _Unusual
    lines = text.split("\n")
    count = len(lines)
    # Open mappings, outermost first: (indent of their keys, node, keys seen, the key it is the value of,
    # that key folded); the innermost one's indent, keys seen and items also in locals (read on every line).
    stack: list[tuple[int, Node, dict[str, Node], Node | None, str]] = []
    top_indent = -1
    top_seen: dict[str, Node] = {}
    top_items: list[tuple[Node, Node]] = []
    pending: Node | None = None  # a key whose value is on the following lines (or empty)
    pending_indent = 0
    pending_folded = ""
    number = 0
    while number < count:
        line = lines[number]
        number += 1
        stripped = line.lstrip(" ")
        if not stripped or stripped[0] == "#":
            continue
        if len(stripped) > MAX_TEXT_CHARS:
            raise _Unusual  # a key or a value too long: said by libyaml's reader
        indent = len(line) - len(stripped)
        location = _location(display, number)  # each line read once: a key and its value share it
        if pending is not None:
            if indent > pending_indent:  # the pending key's value is the mapping starting here
                if len(stack) >= MAX_NESTING:
                    raise _Unusual
                opened = Node("map", location)
                stack.append((indent, opened, {}, pending, pending_folded))
                top_indent, top_seen, top_items = indent, stack[-1][2], opened.items
            else:
                _accept(pending, Node("scalar", pending.location, "", None), stack[-1], problems)
            pending = None
        elif not stack:
            root = Node("map", location)
            stack.append((indent, root, {}, None, ""))
            top_indent, top_seen, top_items = indent, stack[-1][2], root.items
        elif indent > top_indent:
            raise _Unusual  # a text going on over several lines, or a mistake: libyaml says which
        if indent < top_indent:
            while indent < stack[-1][0]:
                _, closed, _, key, closed_folded = stack.pop()
                if not stack:
                    raise _Unusual  # less indented than the first key
                assert key is not None
                into = stack[-1]
                if closed_folded in into[2]:
                    _key_accepted(key, into[2], problems)  # says that the key is there already
                else:  # a new key, as below
                    into[2][closed_folded] = key
                    into[1].items.append((key, closed))
            top_indent, top_node, top_seen, _, _ = stack[-1]
            top_items = top_node.items
        if indent != top_indent:
            raise _Unusual
        colon = stripped.find(": ")
        if colon < 0:
            if not stripped.endswith(":"):
                raise _Unusual
            colon = len(stripped) - 1
        name = stripped[:colon]
        folded = _PLAIN_KEYS.get(name)
        if folded is None:  # the keys of a template repeat in every office: each judged and folded once
            if not name or name[0] in _INDICATORS or name[-1] == " " or not _NOT_IN_KEY.isdisjoint(name):
                raise _Unusual
            if len(_PLAIN_KEYS) > 4096:
                _PLAIN_KEYS.clear()
            folded = _PLAIN_KEYS[name] = normalize_label(name)
        key = Node("scalar", location, name, None)
        rest = stripped[colon + 1 :].lstrip(" ")
        if not rest or rest[0] == "#":
            pending, pending_indent, pending_folded = key, indent, folded
            continue
        first = rest[0]
        if first == "|":
            if rest.rstrip(" ") != "|":
                raise _Unusual  # chomping or indentation indicators, a comment: left to libyaml
            value, number = _literal(lines, number, indent, location)
        elif first == '"' or first == "'":
            end = rest.find(first, 1)
            if end < 0 or rest[end + 1 : end + 2] == first:
                raise _Unusual  # over several lines, or an escaped quote
            content = rest[1:end]
            if "\\" in content or len(content) > MAX_TEXT_CHARS:
                raise _Unusual
            _comment_only(rest[end + 1 :])
            value = Node("scalar", location, content, first)
        elif first == "[":
            end = rest.find("]")
            if end < 0:
                raise _Unusual
            _comment_only(rest[end + 1 :])
            inner = rest[1:end]
            value = Node("seq", location)
            if _COUNTS.fullmatch(inner) is not None:  # the usual row of a table: counts only
                value.counts = inner.replace(" ", "").split(",")
                value._children = None  # made from `counts` when asked for
            elif inner.strip(" "):
                children = value.children
                for item in inner.split(","):
                    item = item.strip(" ")
                    if not item or item[0] in _INDICATORS or not _NOT_IN_ITEM.isdisjoint(item):
                        raise _Unusual
                    children.append(Node("scalar", location, item, None))
            elif inner:
                raise _Unusual
        elif first in _INDICATORS:
            raise _Unusual
        else:
            comment = rest.find(" #")
            if comment >= 0:
                rest = rest[:comment]
            rest = rest.rstrip(" ")
            if ": " in rest or rest.endswith(":") or not _NOT_IN_TEXT.isdisjoint(rest) or len(rest) > MAX_TEXT_CHARS:
                raise _Unusual
            value = Node("scalar", location, rest, None)
        if folded in top_seen:
            _key_accepted(key, top_seen, problems)  # says that the key is there already
        else:  # what _key_accepted does for a new key, inlined: this runs for every line of a district
            top_seen[folded] = key
            top_items.append((key, value))
    if not stack:
        raise _Unusual  # no mapping at all
    if pending is not None:
        _accept(pending, Node("scalar", pending.location, "", None), stack[-1], problems)
    while len(stack) > 1:
        _, closed, _, key, _ = stack.pop()
        assert key is not None
        _accept(key, closed, stack[-1], problems)
    return stack[0][1]


_new = object.__new__
_set_file = Location.__dict__["file"].__set__  # the slots of the frozen dataclass, set as its __init__ does
_set_line = Location.__dict__["line"].__set__


def _location(display: str, line: int) -> Location:
    """`Location(display, line)`, made a third quicker: the frozen dataclass's __init__ sets each field
    through object.__setattr__, by name; here its slots are set directly (one Location per line of every
    office of a district). The same object in every respect (tests/test_fast_source.py)."""
    location: Location = _new(Location)
    _set_file(location, display)
    _set_line(location, line)
    return location


def _accept(key: Node, value: Node, into: tuple[int, Node, dict[str, Node], Node | None, str],
            problems: list[Problem]) -> None:
    if _key_accepted(key, into[2], problems):
        into[1].items.append((key, value))


def _comment_only(after: str) -> None:
    """What follows a quoted text or a list on its line must be nothing or a comment."""
    if after and not (after[0] == " " and after.lstrip(" ")[:1] in ("", "#")):
        raise _Unusual


def _literal(lines: list[str], number: int, indent: int, location: Location) -> tuple[Node, int]:
    """A `|` block after the key of `indent` on line `number`: its node and the number of lines read."""
    if number >= len(lines):
        raise _Unusual
    first = lines[number]
    body = len(first) - len(first.lstrip(" "))
    if body <= indent or not first.strip(" "):
        raise _Unusual  # empty, or starting with a blank line: left to libyaml
    kept: list[str] = []
    ends = False
    last = len(lines) - 1  # the file's last line, the only one without a line break after it
    while number < len(lines):
        line = lines[number]
        if not line.strip(" "):
            if len(line) > body:
                raise _Unusual  # spaces beyond the indentation are text: left to libyaml
            kept.append("")
        elif len(line) - len(line.lstrip(" ")) >= body:
            kept.append(line[body:])
            ends = number == last
        else:
            break
        number += 1
    while kept and not kept[-1]:
        kept.pop()
    # Kept as typed, with one line break at the end ("clip"), unless the file ends without one.
    content = "\n".join(kept) if ends else "\n".join(kept) + "\n"
    if len(content) > MAX_TEXT_CHARS:
        raise _Unusual
    return Node("scalar", location, content, "|"), number


def _compose(text: str) -> yaml.Node | None:
    """Compose with libyaml when available (several times faster: it is most of the time of a district
    run); on any error, compose again in pure Python, whose messages _syntax_problem knows."""
    import yaml

    fast, plain = _composers()
    if fast is not None:
        try:
            return _compose_with(fast, text)
        except yaml.YAMLError:
            pass
    return _compose_with(plain, text)


def _compose_with(composer: type, text: str) -> yaml.Node | None:
    loader = composer(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _convert(node: yaml.Node, display: str, problems: list[Problem], depth: int = 0,
             places: dict[int, Location] | None = None) -> Node:
    import yaml

    if depth > MAX_NESTING:
        raise _TooDeep
    if places is None:
        places = {}  # one Location per line: a key and its value share it
    line = node.start_mark.line + 1
    location = places.get(line)
    if location is None:
        location = places[line] = Location(display, line)
    if node.tag not in _IMPLICIT_TAGS:
        problems.append(_tag_problem(location, node.tag))
    if isinstance(node, yaml.ScalarNode):
        if len(node.value) > MAX_TEXT_CHARS:
            problems.append(_too_long(location, len(node.value)))
            return Node("scalar", location, text="", style=node.style or None)
        return Node("scalar", location, text=node.value, style=node.style or None)  # libyaml says "" for plain
    if isinstance(node, yaml.MappingNode):
        result = Node("map", location)
        seen: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, display, problems, depth + 1, places)
            value = _convert(value_node, display, problems, depth + 1, places)
            if _key_accepted(key, seen, problems):
                result.items.append((key, value))
        return result
    assert isinstance(node, yaml.SequenceNode)
    return Node("seq", location,
                children=[_convert(c, display, problems, depth + 1, places) for c in node.value])


def _syntax_problem(exc: yaml.MarkedYAMLError, display: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line_no = mark.line + 1 if mark else 0
    lines = text.splitlines()

    def line_at(number: int) -> str:
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def indent(line: str) -> int:
        return len(line) - len(line.lstrip(" "))

    line_text = line_at(line_no)
    problem = (exc.problem or "").strip()
    column = f"第 {mark.column + 1} 列" if mark else ""
    hint = "检查这一行及上一行的缩进（只能用空格）、冒号和引号"
    # PyYAML often notices a mistake one line late: look at the line before too.
    full_width = next(
        (n for n in (line_no - 1, line_no) if "：" in line_at(n) and ":" not in line_at(n).split("#")[0]
         and not line_at(n).lstrip().startswith(("-", "#"))),
        None,
    )
    previous = next((n for n in range(line_no - 1, 0, -1) if line_at(n).strip()), 0)
    if "\t" in line_text or "'\\t'" in problem:
        message = f"{column}有制表符（Tab）"
        hint = "YAML 只能用空格缩进，请把 Tab 换成空格"
    elif full_width is not None and "mapping values" not in problem:
        line_no = full_width
        message = "键和值之间用了全角冒号“：”"
        hint = "把全角冒号“：”改成半角冒号“:”，并在冒号后面加一个空格"
    elif "mapping values are not allowed" in problem and previous and indent(line_text) > indent(line_at(previous)) \
            and not line_at(previous).rstrip().endswith(":"):
        message = f"缩进不一致：这一行比上一行多缩进了 {indent(line_text) - indent(line_at(previous))} 个空格"
        hint = "同一层级的键缩进要对齐；只有上一行以冒号结尾时，下一行才多缩进两个空格"
    elif "mapping values are not allowed" in problem:
        message = f"{column}不能出现“: ”"
        hint = "文字中含有“: ”时，请把整段文字用引号括起来；或检查这一行的缩进"
    elif "could not find expected ':'" in problem or "simple key" in problem:
        message = "缺少冒号或缩进不一致"
        hint = "每个键后面要有半角冒号和一个空格，如“机关: 安宁街道”；同一层级的键缩进要对齐"
    elif "found character" in problem and "cannot start any token" in problem:
        message = f"{column}有 YAML 不允许的字符"
        hint = "以 @ 或 ` 开头的文字请用引号括起来"
    elif "while scanning a quoted scalar" in (exc.context or "") or "unexpected end of stream" in problem:
        if exc.context_mark is not None:
            line_no = exc.context_mark.line + 1  # where the unclosed quote opens, not the end of the file
        message = "引号没有配对"
        hint = "检查文字两端的引号是否成对"
    elif "expected <block end>" in problem or "did not find expected" in problem:
        message = f"{column}缩进不一致"
        hint = "同一层级的键缩进要对齐，子项要比上一级多缩进两个空格"
    else:
        message = f"YAML 格式错误（{problem or exc}）"
    return error(Location(display, line_no), message, hint)


def _tag_problem(location: Location, tag: str) -> Problem:
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    return error(location, f"不支持 YAML 标签「{shown}」", "删除以 ! 开头的标签，直接填写数值或文字")


def _too_long(location: Location, length: int) -> Problem:
    return error(location, f"这段文字太长（{length} 个字符，上限 {MAX_TEXT_CHARS} 个）",
                 "检查是否误粘贴了整份文档；年报每一部分通常只有几千字")


def _key_accepted(key: Node, seen: dict[str, Node], problems: list[Problem]) -> bool:
    """Whether `key` may be added to its mapping (a text, not given before); else the problem is said.

    Keys are compared as the checker compares them: `行政 许可` is `行政许可`, `(二)` is `（二）`."""
    if key.kind != "scalar":
        problems.append(error(key.location, "键名必须是文字", "检查这一行的缩进和冒号"))
        return False
    folded = normalize_label(key.text)
    first = seen.get(folded)
    if first is not None:
        same = "" if first.text == key.text else f"「{first.text}」，两处按同一栏目计"
        problems.append(
            error(
                key.location,
                f"「{key.text}」重复出现（第 {first.line} 行已经写过{same}）",
                f"同一层级的键只能写一次：删除第 {first.line} 行或第 {key.line} 行，或把两处的内容合并",
            )
        )
        return False
    seen[folded] = key
    return True
