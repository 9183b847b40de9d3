"""Totals a data file leaves out, computed from their parts by the balance rules that say `computes`.

A rule of rules.yaml such as "（七）总计 = the 21 detail rows" both checks a total that was written and
fills one that was not. Readers call `compute_totals` before handing a report on, so that no later stage
sees a missing total (rendering one as 0 would print a wrong 总计).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .model import CellKey, ReportData
from .spec import Rule, Spec, Table


@dataclass
class BalanceInstance:
    """One equation of a balance rule: sum(left) == sum(right), for one row or one column."""

    rule: Rule
    table: Table
    left: list[CellKey]
    right: list[CellKey]
    row_label: str
    column_label: str


def balance_instances(report: ReportData, rule: Rule) -> Iterator[BalanceInstance]:
    """The equations of a balance rule for `report`'s template (read-only: they are shared). They depend
    on the template only: made once per rule and kept on it (`Rule.made`), not once per office."""
    made = rule.made.get("balance")
    if made is None or made[0] is not report.spec:
        made = rule.made["balance"] = (report.spec, tuple(_make_instances(report.spec, rule)))
    return iter(made[1])


def _make_instances(spec: Spec, rule: Rule) -> Iterator[BalanceInstance]:
    table = spec.table(rule.params["table"])
    left_refs: list[str] = rule.params["left"]
    right_refs: list[str] = rule.params["right"]
    if rule.params["each"] == "column":
        left_rows = table.expand_rows(left_refs)
        right_rows = table.expand_rows(right_refs)
        for column in table.all_columns():
            yield BalanceInstance(
                rule,
                table,
                [(table.id, r.id, column.id) for r in left_rows],
                [(table.id, r.id, column.id) for r in right_rows],
                "",
                column.label,
            )
    else:
        for row in table.rows:
            ids = {c.id for c in row.columns}
            if not all(c in ids for c in left_refs + right_refs):
                continue
            yield BalanceInstance(
                rule,
                table,
                [(table.id, row.id, c) for c in left_refs],
                [(table.id, row.id, c) for c in right_refs],
                row.display,
                "",
            )


def compute_totals(report: ReportData) -> None:
    """Fill every total left out (value None) from its parts, repeating until nothing more can be filled."""
    instances = [
        inst
        for rule in report.spec.rules_of("balance")
        if rule.params.get("computes")
        for inst in balance_instances(report, rule)
    ]
    changed = True
    while changed:
        changed = False
        for inst in instances:
            total = report.cells[inst.left[0]]
            if total.value is not None:
                continue
            parts = [report.cells[k].value for k in inst.right]
            if any(v is None for v in parts):
                continue
            total.value = sum(parts)  # type: ignore[arg-type]
            changed = True
    for cell in report.cells.values():
        if cell.value is None:  # pragma: no cover - only a cyclic rules.yaml leaves one
            cell.value = 0
