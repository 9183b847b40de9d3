"""Across years: last year's data for the same office, the rules that compare with it, and `new`.

Last year's data is the same office's file in the previous year's folder (`data/龙马潭区/2023/安宁街道.yaml`
for `data/龙马潭区/2024/安宁街道.yaml`), or the file given with `--previous` (a data file, or last year's
report as .docx or text). Rule kinds here: `carry_over` (rule 6), `stock_continuity` (rule 7),
`repeated_text` (text too similar to last year's) and `rewrite_marker` (text carried over by `new` and not
yet rewritten).
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import FileTrouble
from .model import Cell, ReportData
from .problems import Location, Problem, Severity, has_errors
from .source import display_name
from .spec import Rule
from .text_rules import text_blocks
from .write import write_atomic

REWRITE_MARKER = "【待改写】"
WRONG_YEAR_RULE = "上年数据"  # one id for every cross-year rule, so check_report reports it once


def previous_year_path(path: Path, year: str) -> Path | None:
    """`…/2024/安宁街道.yaml` → `…/2023/安宁街道.yaml`, when the folder is named after the year."""
    folder = path.parent.resolve()  # `nianbao check .` inside the year's folder: its name is not in the path
    if not re.fullmatch(r"\d{4}", year) or folder.name != year:
        return None
    return folder.parent / str(int(year) - 1) / path.name


def previous_report(report: ReportData) -> ReportData | None:
    """Last year's data for this office, or None when there is none at hand. Read once per file version."""
    explicit = report.previous_path
    path = explicit if explicit is not None else previous_year_path(report.path, report.year)
    if path is None or (explicit is None and not path.is_file()):
        return None
    try:
        key = (str(path.resolve()), path.stat().st_mtime_ns)
    except OSError:
        raise FileTrouble("找不到上年的数据文件，请检查路径", display_name(path)) from None
    return _read_previous_cached(*key)


@lru_cache(maxsize=8)
def _read_previous_cached(resolved: str, mtime_ns: int) -> ReportData | None:
    """Shared by the cross-year rules of one check; bounded, so a district run does not keep every office."""
    return _read_previous(Path(resolved))


def _read_previous(path: Path) -> ReportData | None:
    from .check import compute_totals
    from .load import load_report
    from .report_reader import read_report

    if path.suffix.lower() in (".yaml", ".yml"):
        from .batch import defaults_for

        # With last year's shared defaults, so that a 年度 kept in `_共同.yaml` is known too.
        report, _ = load_report(path, defaults=defaults_for(path))
    else:
        report = read_report(path).report
    if report is not None:
        compute_totals(report)
    return report



def _usable_previous(report: ReportData, rule: Rule) -> Iterator[Problem | ReportData]:
    """Last year's report if it is for the year before; a warning if it is for another year."""
    previous = previous_report(report)
    if previous is None:
        return
    if previous.year and report.year and int(previous.year) != int(report.year) - 1:
        yield Problem(
            Severity.WARNING, Location(report.source),
            f"上年数据 {previous.source} 是 {previous.year} 年的，不是 {int(report.year) - 1} 年的，没有做跨年度核对",
            "用 --previous 指定上一年度的数据文件", WRONG_YEAR_RULE,
        )
        return
    yield previous


def check_carry_over(report: ReportData, rule: Rule) -> Iterator[Problem]:
    """Rule 6: this year's 二、上年结转 = last year's 四、结转下年度继续办理, column by column."""
    for item in _usable_previous(report, rule):
        if isinstance(item, Problem):
            yield item
            continue
        previous = item
        table = report.spec.table(rule.params["table"])
        row = table.row(rule.params["row"])
        last_row = table.row(rule.params["previous_row"])
        for column in row.columns:
            key = (table.id, row.id, column.id)
            if key in report.invalid_cells or (table.id, last_row.id, column.id) in previous.invalid_cells:
                continue
            now = report.value(*key)
            last = previous.value(table.id, last_row.id, column.id)
            if now != last:
                yield Problem(
                    rule.level, report.where(table.id, row.id, column.id),
                    rule.message.format(列=column.label, 本年=now, 上年=last, 上年文件=previous.source),
                    rule.hint.format(上年=last), rule.id,
                )


def check_stock_continuity(report: ReportData, rule: Rule) -> Iterator[Problem]:
    """Rule 7: 现行有效 ≈ last year's 现行有效 + 本年制发 − 本年废止 (a warning: clean-ups break it)."""
    for item in _usable_previous(report, rule):
        if isinstance(item, Problem):
            yield item
            continue
        previous = item
        table = report.spec.table(rule.params["table"])
        stock, added, removed = rule.params["stock"], rule.params["added"], rule.params["removed"]
        for row in table.expand_rows(rule.params["rows"]):
            now = report.value(table.id, row.id, stock)
            last = previous.value(table.id, row.id, stock)
            plus = report.value(table.id, row.id, added)
            minus = report.value(table.id, row.id, removed)
            expected = last + plus - minus
            if now != expected:
                yield Problem(
                    rule.level, report.where(table.id, row.id, stock),
                    rule.message.format(行=row.label, 本年=now, 上年=last, 制发=plus, 废止=minus, 应为=expected),
                    rule.hint, rule.id,
                )


def similarity(this_year: str, last_year: str) -> float:
    """difflib's ratio of two texts (0–1), without its junk heuristic (it would skip common characters)."""
    return difflib.SequenceMatcher(None, last_year, this_year, autojunk=False).ratio()


def check_repeated_text(report: ReportData, rule: Rule) -> Iterator[Problem]:
    """A part whose text is more than `threshold` similar to last year's (evaluators deduct for it)."""
    for item in _usable_previous(report, rule):
        if isinstance(item, Problem):
            yield item
            continue
        previous = item
        threshold = float(rule.params.get("threshold", 0.5))
        shortest = int(rule.params.get("min_chars", 40))
        skip = set(rule.params.get("skip_parts", []))
        for part in report.spec.parts:
            if part.key in skip:
                continue
            now = "".join(p.text for p in report.part_paragraphs(part.key))
            last = "".join(p.text for p in previous.part_paragraphs(part.key))
            if len(now) < shortest or len(last) < shortest or REWRITE_MARKER in now:
                continue
            ratio = similarity(now, last)
            if ratio > threshold:
                yield Problem(
                    rule.level, report.part_locations.get(part.key, Location(report.source)),
                    rule.message.format(部分=part.key, 比例=round(ratio * 100), 阈值=round(threshold * 100),
                                        上年文件=previous.source),
                    rule.hint, rule.id,
                )


def check_rewrite_marker(report: ReportData, rule: Rule) -> Iterator[Problem]:
    marker = rule.params.get("marker", REWRITE_MARKER)
    for name, paragraphs in text_blocks(report):
        for paragraph in paragraphs:
            if marker in paragraph.text:
                yield Problem(rule.level, paragraph.location, rule.message.format(部分=name, 标记=marker),
                              rule.hint.format(标记=marker), rule.id)
                break


# --- nianbao new ------------------------------------------------------------------------------------


@dataclass
class NewYearResult:
    previous: str
    target: Path
    year: str
    carried: list[str] = field(default_factory=list)  # text blocks marked for rewriting
    defaults_written: list[Path] = field(default_factory=list)  # the district's shared files, carried over


def new_year_target(previous_path: Path, previous_year: str, year: str) -> Path | None:
    """`…/2024/安宁街道.yaml` → `…/2025/安宁街道.yaml` when the folder is named after the year."""
    if previous_path.parent.name != previous_year:
        return None
    return previous_path.parent.parent / year / previous_path.name


def new_year_file(
    previous_path: Path | str, year: str | None = None, output: Path | str | None = None, force: bool = False
) -> NewYearResult:
    """Start this year's data file from last year's: facts and texts carried over (texts marked to be
    rewritten), 上年结转 = last year's 结转下年度继续办理, every other number 0."""
    from .check import compute_totals
    from .load import load_report
    from .yaml_writer import report_to_yaml

    previous_path = Path(previous_path)
    shown = display_name(previous_path)
    if previous_path.suffix.lower() not in (".yaml", ".yml"):
        raise FileTrouble("上年的数据应为 .yaml 数据文件；上年只有 Word 报告时，先用 nianbao import 导入", shown)
    from .batch import defaults_for

    last, problems = load_report(previous_path, defaults=defaults_for(previous_path))
    if last is None or has_errors(problems):
        first = next((p for p in problems if p.is_error), None)
        raise FileTrouble("上年的数据文件有错误，请先修正：" + (first.format() if first else "无法读取"), shown)
    compute_totals(last)
    if not last.year:
        raise FileTrouble("上年的数据文件没有写「年度」", shown)
    year = year or str(int(last.year) + 1)
    if not re.fullmatch(r"\d{4}", year):
        raise FileTrouble(f"年度应为四位数字，实际是“{year}”")
    if output is not None:
        target = Path(output)
    else:
        found = new_year_target(previous_path, last.year, year)
        if found is None:
            raise FileTrouble(
                f"{shown} 不在以年度命名的文件夹中（如 data/龙马潭区/{last.year}/），无法确定新文件的位置；请用 -o 指定"
            )
        target = found
    if target.exists() and not force:
        raise FileTrouble(f"{display_name(target)} 已存在，为免覆盖未写入；确认要替换它，请加 --force")

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
    for name, paragraphs in text_blocks(new):
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
        f"由 nianbao new 从 {shown} 生成。",
        f"文字是{last.year}年的，每一部分都要按{year}年的实际情况改写，改完后删去“{REWRITE_MARKER}”标记；",
        "“二、上年结转”已按上年“四、结转下年度继续办理”填好，其余数字都是 0，请逐项填写。",
        f"运行 nianbao check {display_name(target)} 检查，nianbao build {display_name(target)} 生成 Word 报告。",
    ]
    text = report_to_yaml(new, header=header, notes=notes, row_notes=row_notes)
    write_atomic(target, text.encode("utf-8"))
    result.defaults_written = _carry_defaults(defaults_for(previous_path), target.parent, last.year, year)
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
