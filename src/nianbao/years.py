"""Rules across years: compare a report with last year's report of the same office.

The rules get last year's report handed in (found and read by district.py); they never open a file. Rule
kinds here: `carry_over` (this year's 二、上年结转 = last year's 四、结转下年度继续办理, hard), `stock_continuity`
(现行有效 ≈ last year's + 制发 − 废止, a warning), `repeated_text` (text too similar to last year's:
evaluators deduct for 与往年雷同, see README) and `rewrite_marker` (text carried over by `nianbao new` and not
yet rewritten).
"""

from __future__ import annotations

from collections.abc import Iterator

from .model import ReportData
from .problems import Location, Problem, Severity
from .spec import Rule

REWRITE_MARKER = "【待改写】"
WRONG_YEAR_RULE = "上年数据"  # one id for every cross-year rule, so check_report reports it once


def _usable_previous(report: ReportData, previous: ReportData | None) -> Iterator[Problem | ReportData]:
    """Last year's report if it is for the year before; a warning if it is for another year."""
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


def check_carry_over(report: ReportData, rule: Rule, previous: ReportData | None) -> Iterator[Problem]:
    """Hard (README, 跨年度核对): this year's 二、上年结转 = last year's 四、结转下年度继续办理, column by column."""
    for item in _usable_previous(report, previous):
        if isinstance(item, Problem):
            yield item
            continue
        last_year = item
        table = report.spec.table(rule.params["table"])
        row = table.row(rule.params["row"])
        last_row = table.row(rule.params["previous_row"])
        for column in row.columns:
            key = (table.id, row.id, column.id)
            if key in report.invalid_cells or (table.id, last_row.id, column.id) in last_year.invalid_cells:
                continue
            now = report.value(*key)
            last = last_year.value(table.id, last_row.id, column.id)
            if now != last:
                yield Problem(
                    rule.level, report.where(table.id, row.id, column.id),
                    rule.message.format(列=column.label, 本年=now, 上年=last, 上年文件=last_year.source),
                    rule.hint.format(上年=last), rule.id,
                )


def check_stock_continuity(report: ReportData, rule: Rule, previous: ReportData | None) -> Iterator[Problem]:
    """A warning (README, 跨年度核对): 现行有效 ≈ last year's 现行有效 + 本年制发 − 本年废止 (a warning: clean-ups break it)."""
    for item in _usable_previous(report, previous):
        if isinstance(item, Problem):
            yield item
            continue
        last_year = item
        table = report.spec.table(rule.params["table"])
        stock, added, removed = rule.params["stock"], rule.params["added"], rule.params["removed"]
        for row in table.expand_rows(rule.params["rows"]):
            now = report.value(table.id, row.id, stock)
            last = last_year.value(table.id, row.id, stock)
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
    import difflib  # only here: not loaded at start-up
    return difflib.SequenceMatcher(None, last_year, this_year, autojunk=False).ratio()


def check_repeated_text(report: ReportData, rule: Rule, previous: ReportData | None) -> Iterator[Problem]:
    """A part whose text is more than `threshold` similar to last year's (evaluators deduct for it)."""
    for item in _usable_previous(report, previous):
        if isinstance(item, Problem):
            yield item
            continue
        last_year = item
        threshold = float(rule.params.get("threshold", 0.5))
        shortest = int(rule.params.get("min_chars", 40))
        skip = set(rule.params.get("skip_parts", []))
        for part in report.spec.parts:
            if part.key in skip:
                continue
            now = "".join(p.text for p in report.part_paragraphs(part.key))
            last = "".join(p.text for p in last_year.part_paragraphs(part.key))
            if len(now) < shortest or len(last) < shortest or REWRITE_MARKER in now:
                continue
            ratio = similarity(now, last)
            if ratio > threshold:
                yield Problem(
                    rule.level, report.part_locations.get(part.key, Location(report.source)),
                    rule.message.format(部分=part.key, 比例=round(ratio * 100), 阈值=round(threshold * 100),
                                        上年文件=last_year.source),
                    rule.hint, rule.id,
                )


def check_rewrite_marker(report: ReportData, rule: Rule, previous: ReportData | None) -> Iterator[Problem]:
    """Text carried over by `nianbao new` (marked) and not yet rewritten; needs no previous data."""
    marker = rule.params.get("marker", REWRITE_MARKER)
    for name, paragraphs in report.text_blocks():
        for paragraph in paragraphs:
            if marker in paragraph.text:
                yield Problem(rule.level, paragraph.location, rule.message.format(部分=name, 标记=marker),
                              rule.hint.format(标记=marker), rule.id)
                break
