"""`nianbao import 表格.xlsx` (or a folder of them): filled-in workbooks → data files.

A workbook that cannot be read exactly (altered labels, deleted rows, blanks, text in number cells) writes
nothing and lists every problem with its `工作表!单元格`. A readable one is written as a data file in the house
layout, then checked: balance problems are listed (pointing at the workbook's cells) but do not stop the
writing, since the data file then says exactly what the clerk sent back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .check import check_report
from .district import defaults_for, previous_report
from .errors import FileTrouble, NianbaoError
from .form_reader import read_form
from .model import ReportData
from .problems import Location, Problem, error, has_errors
from .schema import modeline
from .source import command_name, display_name
from .write import ensure_writable_name, safe_file_name, write_atomic, write_schema_beside
from .yaml_writer import report_to_yaml

FORM_SUFFIX = ".xlsx"


@dataclass
class FormImport:
    """One workbook read back: the data file written (None when the workbook had errors) and the problems."""

    source: str
    target: Path | None = None
    report: ReportData | None = None
    problems: list[Problem] = field(default_factory=list)
    file_trouble: bool = False  # it could not be read or its data file not written (exit 1), not bad data (3)

    @property
    def ok(self) -> bool:
        return self.target is not None


def is_form_file(path: Path) -> bool:
    return path.suffix.lower() == FORM_SUFFIX and not path.name.startswith(("~$", ".", "_"))


def import_form(source: Path | str, target: Path | str | None = None, force: bool = False,
                template: Path | str | None = None) -> FormImport:
    """Read one workbook and write its data file: `target`, or `<机关>.yaml` in the folder `target` names
    (default: the workbook's folder). An existing data file is kept unless `force`."""
    source = Path(source)
    report, problems = read_form(source, template=template)
    result = FormImport(display_name(source), report=report, problems=problems)
    if report is None or has_errors(problems):
        return result
    out = Path(target) if target is not None else source.parent
    path = out if out.suffix.lower() in (".yaml", ".yml") else out / safe_file_name(f"{report.office}.yaml")
    where = report.fact_locations.get("机关") or Location(display_name(source))
    ensure_writable_name(path, where, "机关名称", "数据文件名由机关名称组成", "，或用 -o 指定数据文件名")
    if path.exists() and not force:
        raise FileTrouble(f"{display_name(path)} 已存在，为免覆盖未写入；确认要替换它，请加 --force")
    report.path = path  # last year's data is found beside the data file (district.previous_report)
    result.problems.extend(check_report(report, previous_report(report)))
    header = [
        f"{report.facts.get('标题', report.office)}的数据，由 nianbao import 从填报表 {source.name} 读入。",
        f"运行 nianbao build {command_name(path)} 生成 Word 报告。",
    ]
    partial = bool(defaults_for(path))  # the district's shared file completes the facts
    write_schema_beside(report.spec, path, partial)
    text = report_to_yaml(report, header=header, schema=modeline(report.spec, partial))
    write_atomic(path, text.encode("utf-8"))
    result.target = path
    return result


def import_forms(sources: list[Path], target: Path | None = None, force: bool = False,
                 template: Path | str | None = None) -> list[FormImport]:
    """Every workbook of `sources` (files, or folders read non-recursively); one bad workbook never stops
    the others. `target`: the folder the data files go to (default: each workbook's folder)."""
    files: list[Path] = []
    for source in sources:
        if source.is_dir():
            found = sorted(p for p in source.iterdir() if p.is_file() and is_form_file(p))
            if not found:
                raise FileTrouble("文件夹中没有填报表（*.xlsx）", display_name(source))
            files.extend(found)
        else:
            files.append(source)
    if target is not None and len(files) > 1 and target.suffix.lower() in (".yaml", ".yml"):
        raise FileTrouble("读入多个填报表时，-o 应为文件夹", display_name(target))
    results = []
    for file in files:
        try:
            results.append(import_form(file, target, force=force, template=template))
        except NianbaoError as exc:
            where = Location(exc.where or display_name(file))
            results.append(FormImport(display_name(file), problems=[error(where, exc.message)], file_trouble=True))
    return results
