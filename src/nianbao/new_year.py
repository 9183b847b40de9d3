"""`nianbao new`: start this year's data file from last year's.

Facts and texts are carried over (each text marked 【待改写】 until rewritten: evaluators deduct for text
repeated from last year, see README), 上年结转 is last year's 结转下年度继续办理, every other number is 0, and the
district's shared defaults file is carried into the new year's folder.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

from .district import defaults_for, next_year_path
from .errors import FileTrouble
from .guard import ensure_absent
from .load import load_report
from .model import Cell, ReportData
from .problems import has_errors
from .schema import modeline
from .source import SharedNames, command_name, display_name
from .write import write_atomic, write_schema_beside
from .yaml_writer import report_to_yaml
from .years import REWRITE_MARKER


@dataclass
class NewYearResult:
    previous: str
    target: Path
    year: str
    carried: list[str] = field(default_factory=list)  # text blocks marked for rewriting
    defaults_written: list[Path] = field(default_factory=list)  # the district's shared files, carried over


def new_year_file(
    previous_path: Path | str, year: str | None = None, output: Path | str | None = None, force: bool = False
) -> NewYearResult:
    """Start this year's data file from last year's: facts and texts carried over (texts marked to be
    rewritten), 上年结转 = last year's 结转下年度继续办理, every other number 0."""
    previous_path = Path(previous_path)
    shown = display_name(previous_path)
    if previous_path.suffix.lower() not in (".yaml", ".yml"):
        raise FileTrouble("上年的数据应为 .yaml 数据文件；上年只有 Word 报告时，先用 nianbao import 导入", shown)
    last, problems = load_report(previous_path, defaults=defaults_for(previous_path))
    if last is None or has_errors(problems):
        first = next((p for p in problems if p.is_error), None)
        raise FileTrouble("上年的数据文件有错误，请先修正：" + (first.format() if first else "无法读取"), shown)
    if not last.year:
        raise FileTrouble("上年的数据文件没有写「年度」", shown)
    year = year or str(int(last.year) + 1)
    if not re.fullmatch(r"\d{4}", year):
        raise FileTrouble(f"年度应为四位数字，实际是“{year}”")
    if output is not None:
        target = Path(output)
    else:
        found = next_year_path(previous_path, last.year, year)
        if found is None:
            raise FileTrouble(
                f"{shown} 不在以年度命名的文件夹中（如 data/龙马潭区/{last.year}/），无法确定新文件的位置；请用 -o 指定"
            )
        target = found
    ensure_absent(target, force=force)

    new = copy.deepcopy(last)
    # Only the office file's own facts: shared ones stay in the folder's defaults file.
    new.facts = {k: v for k, v in last.facts.items()
                 if k in last.fact_locations and last.fact_locations[k].file == last.source}
    new.fact_locations = {k: last.fact_locations[k] for k in new.facts}
    new.facts["年度"] = year
    if "标题" in new.facts:
        new.facts["标题"] = new.facts["标题"].replace(last.year, year)
    result = NewYearResult(shown, target, year)
    notes: dict[str, str] = {}
    for name, paragraphs in new.text_blocks():
        if not paragraphs:
            continue
        key = _note_key(new, name)
        notes[key] = f"待改写：以下是{last.year}年的文字，请按{year}年的实际情况改写，改完后删去“{REWRITE_MARKER}”"
        if key == "开头说明":
            for paragraph in paragraphs:
                paragraph.text = paragraph.text.replace(f"{last.year}年1月1日至{last.year}年12月31日",
                                                        f"{year}年1月1日至{year}年12月31日")
        paragraphs[0].text = REWRITE_MARKER + paragraphs[0].text
        result.carried.append(name)
    row_notes = _zero_numbers(new, last)
    header = [
        f"{new.facts.get('地区', '')}{new.facts.get('机关', '')} {year}年政府信息公开工作年度报告的数据，"
        f"由 nianbao new 从 {SharedNames(target.parent).name(previous_path)} 生成。",
        f"文字是{last.year}年的，每一部分都要按{year}年的实际情况改写，改完后删去“{REWRITE_MARKER}”标记；",
        "“二、上年结转”已按上年“四、结转下年度继续办理”填好，其余数字都是 0，请逐项填写。",
        f"运行 nianbao check {command_name(target)} 检查，nianbao build {command_name(target)} 生成 Word 报告。",
    ]
    shared = defaults_for(previous_path)
    partial = bool(shared)  # the shared file completes the office's facts
    write_schema_beside(new.spec, target, partial)
    text = report_to_yaml(new, header=header, notes=notes, row_notes=row_notes,
                          schema=modeline(new.spec, partial))
    write_atomic(target, text.encode("utf-8"))
    result.defaults_written = _carry_defaults(shared, target.parent, last.year, year)
    return result


def _carry_defaults(defaults: tuple[Path, ...], folder: Path, last_year: str, year: str) -> list[Path]:
    """Copy the district's shared files into the new year's folder (年度 updated) unless already there.

    The office file keeps only its own facts, so without them the new file would miss the shared ones.
    """
    written = []
    for source in defaults:
        target = folder / source.name
        if target.exists() or source.parent.resolve() == folder.resolve():
            continue
        text = source.read_text(encoding="utf-8-sig")
        text = re.sub(rf"^(\s*年度:\s*){last_year}\b", rf"\g<1>{year}", text, flags=re.MULTILINE)
        text = text.replace(f"{last_year} 年", f"{year} 年").replace(f"{last_year}年", f"{year}年")
        write_atomic(target, text.encode("utf-8"))
        written.append(target)
    return written


def _note_key(report: ReportData, name: str) -> str:
    """The key a text block is written under (what `report_to_yaml` looks notes up by)."""
    for part in report.spec.parts:
        if name == part.key:
            return part.key
        if name.startswith(part.key):
            return name[len(part.key):]
    return name


def _zero_numbers(new: ReportData, last: ReportData) -> dict[tuple[str, str], str]:
    """Every number 0 except 上年结转 (= last year's 结转下年度继续办理); notes for the rows that need them."""
    notes: dict[tuple[str, str], str] = {}
    carry = next((r for r in new.spec.rules if r.kind == "carry_over"), None)
    stock = next((r for r in new.spec.rules if r.kind == "stock_continuity"), None)
    for key, cell in new.cells.items():
        new.cells[key] = Cell(0 * cell.value if cell.value is not None else 0, cell.location)
    if carry is not None:
        table_id = carry.params["table"]
        table = new.spec.table(table_id)
        row, last_row = table.row(carry.params["row"]), table.row(carry.params["previous_row"])
        for column in row.columns:
            value = last.value(table_id, last_row.id, column.id)
            new.cells[(table_id, row.id, column.id)] = Cell(value, None)
        notes[(table_id, row.id)] = f"按{last.year}年「{last_row.label}」填写"
    if stock is not None:
        table = new.spec.table(stock.params["table"])
        for row in table.expand_rows(stock.params["rows"]):
            held = last.value(table.id, row.id, stock.params["stock"])
            if held:
                notes[(table.id, row.id)] = (
                    f"{last.year}年现行有效件数为 {held}；本年应为 {held} + 本年制发件数 − 本年废止件数"
                )
    return notes
