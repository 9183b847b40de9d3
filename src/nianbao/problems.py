"""What the checker reports: a `Problem` says where (file:line, table/row/column), what, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "错误"
    WARNING = "警告"


@dataclass(frozen=True, order=True)
class Location:
    """A place in a data file: the path as the user gave it, and a 1-based line (0 = whole file)."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Problem:
    """One finding. `subject` names the table/row/column or part by its official labels."""

    severity: Severity
    location: Location
    message: str
    hint: str = ""
    rule: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        text = f"{self.location} {self.severity.value}：{self.message}"
        if self.hint:
            text += f"\n    修改办法：{self.hint}"
        return text


def error(location: Location, message: str, hint: str = "", rule: str = "") -> Problem:
    return Problem(Severity.ERROR, location, message, hint, rule)


def warning(location: Location, message: str, hint: str = "", rule: str = "") -> Problem:
    return Problem(Severity.WARNING, location, message, hint, rule)


def has_errors(problems: list[Problem]) -> bool:
    return any(p.is_error for p in problems)
