"""The whole pipeline for one office: load → check → render → write, as plain functions.

Every entry (the CLI, the batch, the library, the benchmark) checks a data file through `check_file`, so
they all give the same verdict for the same file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .check import check_report
from .district import defaults_for, previous_report
from .errors import ChecksFailed, FileTrouble, TemplateTrouble
from .heavy_imports import loading
from .load import load_report
from .model import ReportData
from .problems import Kind, Location, Problem, error, has_errors
from .source import display_name
from .spec import ABSENT_TABLE, PLACEHOLDER, plain_path
from .write import ensure_writable_name, safe_file_name, write_atomic


@dataclass
class CheckResult:
    """The outcome of checking one data file."""

    path: Path
    report: ReportData | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def display(self) -> str:
        return self.report.source if self.report else display_name(self.path)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        return self.report is not None and not has_errors(self.problems)


def check_file(
    path: Path | str,
    defaults: Sequence[Path | str] | None = None,
    template: Path | str | None = None,
    previous: Path | str | None = None,
) -> CheckResult:
    """Load a data file and run every rule; all problems are returned, nothing is written.

    The same verdict as `nianbao check FILE`: `defaults` are the shared defaults files merged under it
    (None: the folder's `_共同.yaml`, see district.py); `previous` is last year's data for the cross-year
    rules (None: the same file in the previous year's folder, when there is one)."""
    path = plain_path(path)  # one per office: its parts not interned
    shared = defaults_for(path) if defaults is None else defaults
    report, problems = load_report(path, defaults=shared, template=template)
    if report is not None:
        problems.extend(check_report(report, previous_report(report, previous)))
    problems.sort(key=lambda p: (p.location.file, p.location.line))
    return CheckResult(path, report, problems)


def output_path(report: ReportData, out_dir: Path) -> Path:
    """Where a report is written: `DIR/<机关><年度>年政府信息公开工作年度报告.docx` (template's defaults)."""
    # Not `out_dir / name`: pathlib would intern the file name of every office (spec.plain_path).
    return plain_path(os.path.join(out_dir, safe_file_name(report.spec.output_name_for(report.facts))))


def build_file(
    path: Path | str,
    out_dir: Path | str = "out",
    defaults: Sequence[Path | str] | None = None,
    template: Path | str | None = None,
    force: bool = False,
) -> tuple[CheckResult, Path]:
    """Check a data file and, only if it has no errors, write its .docx. Raises ChecksFailed otherwise.

    An existing output edited since generation (or not made by nianbao) is kept: `OutputProtected` is
    raised unless `force` is set.
    """
    result = check_file(path, defaults=defaults, template=template)
    return result, write_report(result, out_dir, force=force)


def write_report(result: CheckResult, out_dir: Path | str = "out", force: bool = False) -> Path:
    """Render and write a checked report; raises ChecksFailed if it has errors, OutputProtected (see
    guard.py) if the existing output must be kept. Returns the path written."""
    if not result.ok or result.report is None:
        raise ChecksFailed(f"{result.display} 有错误，未生成报告", result.problems)
    if result.report.absent_tables or result.report.invalid_cells:
        # A report cannot be published without its tables or with numbers still to be filled in (to-dos
        # in `check`: a table written 缺失, a number written 【待补】).
        absent = sorted(result.report.absent_tables)
        what = f"{'、'.join(absent)}待补（写作“{ABSENT_TABLE}”），缺表的报告不能生成" if absent else \
            f"表格中还有待补的数（写作“{PLACEHOLDER}”）"
        pending = [p for p in result.problems if p.kind is Kind.PENDING]
        raise ChecksFailed(
            f"{result.display} 中{what}，未生成报告",
            [error(p.location, p.message, p.hint, p.rule, p.kind) for p in pending],
        )
    with loading("nianbao.render"):
        from .guard import (  # fingerprints (provenance): only for building
            KnownMembers,
            ensure_replaceable,
        )
        from .render import compiled_template, render_report  # Jinja only for building, not `check`

    target = output_path(result.report, Path(out_dir))
    facts = result.report.fact_locations
    where = facts.get("标题") or facts.get("机关") or Location(result.display)
    ensure_writable_name(target, where, "机关名称或标题", "报告文件名由机关名称和年度组成")
    template = result.report.spec.docx

    def known() -> KnownMembers:
        # The template's members, as every report holds them: an existing report need not have them
        # inflated. Asked only when the old report is read; a template in error is said by the rendering,
        # after the overwrite check (which then reads every part).
        try:
            return compiled_template(template).known_members()
        except (TemplateTrouble, FileTrouble):
            return {}

    ensure_replaceable(target, force=force, known=known)
    seen = _stamp(target)

    def still_replaceable() -> None:
        # Someone may have saved the file in Word while the report was rendered: check again.
        if not force and _stamp(target) != seen:
            ensure_replaceable(target, force=False, known=known)

    write_atomic(target, render_report(result.report, report_dir=target.parent), before_rename=still_replaceable)
    return target


def _stamp(target: Path) -> tuple[int, int, int] | None:
    try:
        stat = target.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino
