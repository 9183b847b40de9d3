"""The rule engine: run every rule of the template's rules.yaml on one report (totals already computed
by the reader, see totals.py).

Each rule kind is a small function; the rules themselves (which rows, which columns, the messages) are data.
A rule gets everything it needs handed in — the report and, for the cross-year kinds, last year's report —
and never opens a file. All problems are collected; nothing here writes a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .errors import TemplateTrouble
from .model import Number, Paragraph, ReportData
from .problems import Location, Problem
from .spec import Rule, normalize_label
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
    for rule in report.spec.rules:
        if rule.kind in _YEAR_CHECKS:
            problems.extend(_YEAR_CHECKS[rule.kind](report, rule, previous))
            continue
        check = _CHECKS.get(rule.kind)
        if check is None:
            raise TemplateTrouble(f"rules.yaml 的规则 {rule.id} 的类型「{rule.kind}」无法识别")
        problems.extend(check(report, rule))
    # Several rules may meet the same fact (e.g. last year's file is of the wrong year): say it once.
    return list(dict.fromkeys(problems))


def _check_balance(report: ReportData, rule: Rule) -> Iterator[Problem]:
    for inst in balance_instances(report, rule):
        if any(k in report.invalid_cells for k in inst.left + inst.right):
            continue  # the unreadable number is reported already; its sums would only mislead
        left = sum(report.value(*k) for k in inst.left)
        right = sum(report.value(*k) for k in inst.right)
        if left == right:
            continue
        message = rule.message.format(
            表=inst.table.id, 行=inst.row_label, 列=inst.column_label, 左=left, 右=right
        )
        yield Problem(rule.level, _anchor(report, inst), message, rule.hint, rule.id)


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
    text = normalize_label("".join(p.text for p in paragraphs))
    if any(normalize_label(k) in text for k in rule.params["keywords"]):
        return
    location = paragraphs[0].location if paragraphs else report.part_locations.get(
        part_key, Location(report.source)
    )
    yield Problem(rule.level, location, rule.message.format(值=value), rule.hint, rule.id)


def _check_outdated_terms(report: ReportData, rule: Rule) -> Iterator[Problem]:
    terms = [t for t in rule.params["terms"] if not t.get("only_keys")]
    for paragraph in _all_paragraphs(report):
        folded = normalize_label(paragraph.text)
        for term in terms:
            if normalize_label(term["term"]) in folded:
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
    titles = normalize_label("".join(s.title for s in report.subparts.get(part.context, [])))
    for name, keywords in part.aspects:
        if not any(normalize_label(k) in titles for k in keywords):
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
