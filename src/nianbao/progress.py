"""What the user sees while offices are checked or built: each office's problems and result as it finishes,
under a live progress bar on a terminal, or as plain lines (`[3/12] …`) in a log or pipe."""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING

import click

from .batch import OfficeOutcome, Status

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


def outcome_lines(outcome: OfficeOutcome, checking: bool = False) -> list[tuple[str, bool]]:
    """The lines that report one office, each with whether it goes to stderr (all but 已生成)."""
    lines = [(problem.format(), True) for problem in outcome.problems]
    if outcome.status is Status.BUILT:
        lines.append((f"已生成：{outcome.target}", False))
    elif outcome.status is Status.PASSED:
        lines.append((f"{outcome.display}：检查通过（{outcome.errors} 个错误，{outcome.warnings} 个警告）", True))
    elif outcome.status is Status.SKIPPED:
        lines.append((f"已跳过：{outcome.note}", True))
    elif outcome.note:
        lines.append((outcome.note, True))
    elif not checking:
        lines.append((f"{outcome.display} 有错误，未生成报告（{outcome.errors} 个错误）", True))
    else:
        lines.append((f"{outcome.display}：未通过检查（{outcome.errors} 个错误，{outcome.warnings} 个警告）", True))
    return lines


class ConsoleReporter:
    """Reports a run on the console (batch.Reporter). `live`: a progress bar on stderr; by default when
    stderr is a terminal and there is more than one office."""

    def __init__(self, label: str, checking: bool = False, live: bool | None = None,
                 stderr: IO[str] | None = None) -> None:
        self.label = label
        self.checking = checking
        self.live = live
        self.stderr = stderr
        self.many = False
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def start(self, total: int) -> None:
        self.many = total > 1
        stream = self.stderr or sys.stderr
        live = self.live if self.live is not None else stream.isatty()
        if live and self.many:
            # rich only for a live bar: a log, a pipe or a single office does without it.
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[last]}", markup=False),
                TimeRemainingColumn(),
                console=Console(file=stream),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=total, last="")

    def office_done(self, outcome: OfficeOutcome, done: int, total: int) -> None:
        lines = outcome_lines(outcome, self.checking)
        if self._bar is not None and self._task is not None:
            for text, err in lines:
                if err:  # successes show in the summary table; only what needs attention is printed
                    self._bar.console.print(text, markup=False, highlight=False, soft_wrap=True)
            self._bar.update(self._task, completed=done, last=f"{outcome.office} {outcome.status.value}")
            return
        prefix = f"[{done:>{len(str(total))}}/{total}] " if self.many else ""
        for index, (text, err) in enumerate(lines):
            last = index == len(lines) - 1
            click.echo(prefix + text if last else text, err=err, file=self.stderr if err else None)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
