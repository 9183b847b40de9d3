"""The rule engine: run every rule of the template's rules.yaml on one report (totals already computed
by the reader, see totals.py).

Each rule kind is a small function; the rules themselves (which rows, which columns, the messages) are data.
A rule gets everything it needs handed in — the report and, for the cross-year kinds, last year's report —
and never opens a file. All problems are collected; nothing here writes a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from .errors import TemplateTrouble
from .model import Number, Paragraph, ReportData
from .problems import Kind, Location, Problem, warning
from .spec import ABSENT_TABLE, PENDING_RULE, PLACEHOLDER, Rule, normalize_label
from .text_rules import check_text_claims, check_text_numbers
from .totals import BalanceInstance, balance_instances
from .years import (
    check_carry_over,
    check_repeated_text,
    check_rewrite_marker,
    check_stock_continuity,
)


def check_report(report: ReportData, previous: ReportData | None = None) -> list[Problem]:
    """Every problem the rules find in `report`; `previous` is last year's report of the same office
    (district.previous_report finds it), or None when there is none at hand."""
    problems: list[Problem] = []
    absent = set(report.absent_tables)
    skipped: dict[str, list[str]] = {table: [] for table in sorted(absent)}
    for written in report.spec.rules:
        rule_absent = absent | (previous.absent_tables if previous is not None and written.kind in _YEAR_CHECKS
                                else set())
        rule = without_tables(written, rule_absent)
        # `skipped` holds this year's absent tables, all in rule_absent: with none, there is nothing to note
        # (and walking every rule's settings for table names, per office, is a tenth of the checking time).
        for table in sorted(_tables_named(written.params, rule_absent) & set(skipped)) if skipped else ():
            skipped[table].append(written.id)
        if rule is None:
            continue
        if rule.kind in _YEAR_CHECKS:
            problems.extend(_YEAR_CHECKS[rule.kind](report, rule, previous))
            continue
        check = _CHECKS.get(rule.kind)
        if check is None:
            raise TemplateTrouble(f"rules.yaml 的规则 {rule.id} 的类型「{rule.kind}」无法识别")
        problems.extend(check(report, rule))
    for table_id, rule_ids in skipped.items():
        problems.append(absent_table_problem(report, table_id, rule_ids))
    problems.extend(unchecked_balances(report, absent))
    # Several rules may meet the same fact (e.g. last year's file is of the wrong year): say it once.
    return list(dict.fromkeys(problems))


def absent_table_problem(report: ReportData, table_id: str, rule_ids: list[str]) -> Problem:
    """The one line for a table the source did not have: a to-do, and which checks were left out."""
    table = report.spec.table(table_id)
    skipped = f"；依赖它的核对已略过：{'、'.join(rule_ids)}" if rule_ids else ""
    return warning(
        report.table_locations.get(table_id, Location(report.source)),
        f"{table_id}「{table.key}」待补：数据文件中写作“{ABSENT_TABLE}”（原报告中没有这张表）{skipped}",
        f"按实际数据填写这张表，写好后删去“{ABSENT_TABLE}”；缺表的报告不能生成",
        PENDING_RULE,
        kind=Kind.PENDING,
    )


def without_tables(rule: Rule, absent: set[str]) -> Rule | None:
    """`rule` as it can run without the `absent` tables: itself when it needs none of them; for a rule made
    of entries (text patterns, claims), only the entries that need none; None when nothing is left. The
    narrowed rule is made once per rule and set of absent tables it names, and kept on the rule
    (`Rule.made`): what the checks make of it (compiled patterns …) is then made once too, not per office."""
    named = _tables_named(rule.params, absent) if absent else set()
    if not named:
        return rule
    key = ("without", frozenset(named))  # the entries left depend only on the absent tables the rule names
    if key not in rule.made:
        rule.made[key] = _narrowed(rule, named)
    narrowed: Rule | None = rule.made[key]
    return narrowed


def _narrowed(rule: Rule, absent: set[str]) -> Rule | None:
    params: dict[str, Any] = {}
    entries_left = False
    for key, value in rule.params.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            params[key] = [v for v in value if not _tables_named(v, absent)]
            entries_left = entries_left or bool(params[key])
        elif _tables_named(value, absent):
            return None
        else:
            params[key] = value
    return replace(rule, params=params) if entries_left else None


def _tables_named(value: Any, tables: set[str]) -> set[str]:
    """The table ids among `tables` that `value` (a rule's settings, nested) names anywhere."""
    if not tables:  # the usual case, every table present: no need to walk the settings
        return set()
    if isinstance(value, str):
        return {value} & tables
    if isinstance(value, dict):
        return set().union(*(_tables_named(v, tables) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_tables_named(v, tables) for v in value)) if value else set()
    return set()


def _check_balance(report: ReportData, rule: Rule) -> Iterator[Problem]:
    pending, invalid = report.pending_cells, report.invalid_cells  # both usually empty: no search then
    sum_of = report.sum_of
    for inst in balance_instances(report, rule):
        if pending and any(k in pending for k in inst.left + inst.right):
            continue  # a number still 【待补】: its row is listed as a to-do; the sum waits for it
        if invalid and any(k in invalid for k in inst.left + inst.right):
            continue  # the unreadable number is reported already; unchecked_balances says what waits for it
        left = sum_of(inst.left)
        right = sum_of(inst.right)
        if left == right:
            continue
        message = rule.message.format(
            表=inst.table.id, 行=inst.row_label, 列=inst.column_label, 左=left, 右=right
        )
        yield Problem(rule.level, _anchor(report, inst), message, rule.hint, rule.id)


def unchecked_balances(report: ReportData, absent: set[str]) -> list[Problem]:
    """One warning per number that could not be read (reported already as an error), naming every sum
    left unchecked because of it, so the clerk knows to check again after fixing it. Numbers still
    【待补】 are listed as to-dos instead."""
    unreadable = report.invalid_cells - report.pending_cells
    if not unreadable:
        return []
    waiting: dict[tuple[str, str, str], list[str]] = {}
    for written in report.spec.rules:
        rule = without_tables(written, absent) if written.kind == "balance" else None
        if rule is None:
            continue
        for inst in balance_instances(report, rule):
            for key in dict.fromkeys(inst.left + inst.right):
                if key in unreadable and not any(k in report.pending_cells for k in inst.left + inst.right):
                    waiting.setdefault(key, []).append(f"{rule.id}（{_where(inst)}）")
    problems = []
    for (table_id, row_id, column_id), sums in sorted(waiting.items()):
        row = report.spec.table(table_id).row(row_id)
        column = next((c.label for c in row.columns if c.id == column_id), column_id)
        problems.append(warning(
            report.where(table_id, row_id, column_id),
            f"{table_id}「{row.display}」行「{column}」栏没有可用的数（见上面的错误），用到它的 {len(sums)} 项核对没有做：{'、'.join(sums)}",
            "改正这个单元格后再检查一次",
            "无法核对",
        ))
    return problems


def _where(inst: BalanceInstance) -> str:
    row = f"「{inst.row_label}」行" if inst.row_label else ""
    column = f"「{inst.column_label}」栏" if inst.column_label else ""
    return row + column


def _anchor(report: ReportData, inst: BalanceInstance) -> Location:
    """Point at the first cell of the equation that was written; else at its row or table."""
    for key in inst.left + inst.right:
        cell = report.cells[key]
        if cell.location is not None:
            return cell.location
    table, row, _ = inst.left[0]
    return report.where(table, row)


def _check_zero_for_office_types(report: ReportData, rule: Rule) -> Iterator[Problem]:
    office_type = report.facts.get("机关类型")
    if office_type not in rule.params["office_types"]:
        return
    table = report.spec.table(rule.params["table"])
    for row in table.expand_rows(rule.params["rows"]):
        values = report.row_values(row)
        if any(values):
            shown = "/".join(str(v) for v in values)
            yield Problem(
                rule.level,
                report.where(table.id, row.id, next(c.id for c, v in zip(row.columns, values, strict=True) if v)),
                rule.message.format(机关类型=office_type, 值=shown),
                rule.hint,
                rule.id,
            )


def _check_text_mentions(report: ReportData, rule: Rule) -> Iterator[Problem]:
    when = rule.params.get("when")
    value: Number = 0
    if when:
        value = report.value(when["table"], when["row"], when["column"])
        if not value:
            return
    part_key: str = rule.params["part"]
    if part_key not in report.part_locations:
        return  # the missing part is reported by the loader already
    paragraphs = report.part_paragraphs(part_key)
    if paragraphs and all(p.text.strip() == PLACEHOLDER for p in paragraphs):
        return  # the part is still to be written (listed as 待补)
    text = normalize_label("".join(p.text for p in paragraphs))
    if any(normalize_label(k) in text for k in rule.params["keywords"]):
        return
    location = paragraphs[0].location if paragraphs else report.part_locations.get(
        part_key, Location(report.source)
    )
    yield Problem(rule.level, location, rule.message.format(值=value), rule.hint, rule.id)


def _check_outdated_terms(report: ReportData, rule: Rule) -> Iterator[Problem]:
    terms = [(normalize_label(t["term"]), t) for t in rule.params["terms"] if not t.get("only_keys")]
    for paragraph in _all_paragraphs(report):
        folded = normalize_label(paragraph.text)
        for folded_term, term in terms:
            if folded_term in folded:
                yield Problem(
                    rule.level,
                    paragraph.location,
                    rule.message.format(**term),
                    rule.hint.format(**term),
                    rule.id,
                )


def _check_aspects(report: ReportData, rule: Rule) -> Iterator[Problem]:
    part = next(p for p in report.spec.parts if p.key == rule.params["part"])
    if part.key not in report.part_locations:
        return
    # Judged from what the part says: its sub-heads, and its text when a report has no sub-head for an
    # aspect but writes about it (a part 一 in running paragraphs).
    said = normalize_label("".join(p.text for p in report.part_paragraphs(part.key)))
    for name, keywords in part.aspects:
        if not any(normalize_label(k) in said for k in keywords):
            yield Problem(
                rule.level,
                report.part_locations[part.key],
                rule.message.format(aspect=name),
                rule.hint,
                rule.id,
            )


def _all_paragraphs(report: ReportData) -> Iterator[Paragraph]:
    for paragraphs in report.paragraphs.values():
        yield from paragraphs
    for subparts in report.subparts.values():
        for sub in subparts:
            yield Paragraph(sub.title, sub.location)
            yield from sub.paragraphs


_CHECKS: dict[str, Callable[[ReportData, Rule], Iterator[Problem]]] = {
    "balance": _check_balance,
    "zero_for_office_types": _check_zero_for_office_types,
    "text_mentions": _check_text_mentions,
    "outdated_terms": _check_outdated_terms,
    "aspects": _check_aspects,
    "text_numbers": check_text_numbers,
    "text_claims": check_text_claims,
}
_YEAR_CHECKS: dict[str, Callable[[ReportData, Rule, ReportData | None], Iterator[Problem]]] = {
    "carry_over": check_carry_over,
    "stock_continuity": check_stock_continuity,
    "repeated_text": check_repeated_text,
    "rewrite_marker": check_rewrite_marker,
}
