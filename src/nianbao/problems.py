"""What the checker reports: a `Problem` says where (file:line, table/row/column), what, and how to fix it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# A value quoted in a message (a heading, a name, a cell) is shown in full up to this many characters;
# beyond it, its start and its length: a 40-million-character cell must not become a 120 MB message.
MAX_QUOTED_CHARS = 80
MAX_MESSAGE_CHARS = 2000
_OPENERS = re.compile("[「“]")
_CLOSERS = re.compile("[」”]")


def bounded_message(text: str) -> str:
    """`text` with over-long quoted values cut to their start and length, and the whole kept under
    MAX_MESSAGE_CHARS. One linear pass (no regular-expression backtracking on a hostile cell)."""
    if len(text) <= MAX_QUOTED_CHARS:
        return text
    parts: list[str] = []
    start = 0
    cut = False
    while True:
        opener = _OPENERS.search(text, start)
        closer = _CLOSERS.search(text, opener.end()) if opener else None
        if opener is None or closer is None:
            parts.append(text[start:])
            break
        inner = text[opener.end():closer.start()]
        if len(inner) > MAX_QUOTED_CHARS:
            parts.append(f"{text[start:opener.end()]}{inner[:40]}…{closer.group()}（共 {len(inner)} 个字符）")
            cut = True
        else:
            parts.append(text[start:closer.end()])
        start = closer.end()
    if cut:  # else the text itself, not a copy: a message shared by many problems stays shared
        text = "".join(parts)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "……（消息过长，已截断）"


class Severity(StrEnum):
    ERROR = "错误"
    WARNING = "警告"


class Kind(StrEnum):
    """What sort of finding a problem is, for code that acts on some of them: chosen by this, never by
    searching the message text (the words are for people and may change)."""

    MISSING_TABLE = "missing-table"  # a table the document does not have
    UNPLACED = "unplaced"  # text or numbers of the source that the reader could not place, left out
    BEFORE_TITLE = "before-title"  # text above a report's title, in no part: left out too (see left_out)
    TEMPLATE_CHANGED = "template-changed"  # the template was updated after the report was generated
    PENDING = "pending"  # a to-do, no report yet: a table written 缺失, or a row with numbers written 【待补】


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """A place in a data file: the path as the user gave it, and a 1-based line (0 = whole file). Slotted:
    a district run keeps many (every paragraph reported as the same text, every problem)."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __reduce__(self) -> tuple[type[Location], tuple[str, int]]:
        # Pickled by its constructor: a slotted dataclass's own pickling calls dataclasses.fields() for
        # every object, most of the time of reading a district's outcomes back from the spill file.
        return (Location, (self.file, self.line))


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding. `subject` names the table/row/column or part by its official labels. Slotted, like
    Location: a district run keeps every office's problems for the summary and the review page."""

    severity: Severity
    location: Location
    message: str
    hint: str = ""
    rule: str = ""
    kind: Kind | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def left_out(self) -> bool:
        """Something of the source a reader could not place and left out (Kind.UNPLACED, Kind.BEFORE_TITLE)."""
        return self.kind in (Kind.UNPLACED, Kind.BEFORE_TITLE)

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", bounded_message(self.message))
        object.__setattr__(self, "hint", bounded_message(self.hint))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # As Location; restored without __post_init__, the message being bounded already.
        return (_restored_problem, (self.severity, self.location, self.message, self.hint, self.rule, self.kind))

    def format(self) -> str:
        text = f"{self.location} {self.severity.value}：{self.message}"
        if self.hint:
            text += f"\n    修改办法：{self.hint}"
        return text


def _restored_problem(severity: Severity, location: Location, message: str, hint: str, rule: str,
                      kind: Kind | None) -> Problem:
    """A pickled Problem as it was (see Problem.__reduce__)."""
    problem = object.__new__(Problem)
    for name, value in (("severity", severity), ("location", location), ("message", message), ("hint", hint),
                        ("rule", rule), ("kind", kind)):
        object.__setattr__(problem, name, value)
    return problem


def error(location: Location, message: str, hint: str = "", rule: str = "", kind: Kind | None = None) -> Problem:
    return Problem(Severity.ERROR, location, message, hint, rule, kind)


def warning(location: Location, message: str, hint: str = "", rule: str = "", kind: Kind | None = None) -> Problem:
    return Problem(Severity.WARNING, location, message, hint, rule, kind)


def has_errors(problems: list[Problem]) -> bool:
    return any(p.is_error for p in problems)
