"""One exception hierarchy for the library; the CLI maps it to exit codes in one place."""

from __future__ import annotations

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
