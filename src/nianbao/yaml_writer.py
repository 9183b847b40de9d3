"""Write a `ReportData` as a data file in the house layout of `data/…/*.yaml`.

Same keys as the example file (official labels), text parts as `|` blocks (one paragraph a line), table rows
as lists of numbers in column order with a comment naming the columns. Keys and one-line values are written
plain when YAML reads them back as the same text, otherwise double-quoted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import yaml

from .model import Paragraph, ReportData
from .spec import ABSENT_TABLE, DEFAULT_TEMPLATE, PLACEHOLDER, Row, Table
from .values import format_number

FACTS_KEY = "基本信息"
TEMPLATE_KEY = "模板"
INDENT = "  "


def report_to_yaml(
    report: ReportData,
    header: Iterable[str] = (),
    notes: dict[str, str] | None = None,
    row_notes: dict[tuple[str, str], str] | None = None,
    schema: str | None = None,
) -> str:
    """The data file text. `header`: comment lines on top; `notes`: a comment above a part or sub-part key
    (keyed by the key as written); `row_notes`: a comment above a table row, keyed by (table id, row id);
    `schema`: the `# yaml-language-server: $schema=…` line that starts the file (schema.modeline)."""
    notes = notes or {}
    row_notes = row_notes or {}
    out: list[str] = [schema] if schema else []
    out.extend(f"# {line}" if line else "#" for line in header)
    if out:
        out.append("")
    if report.spec.folder.name != DEFAULT_TEMPLATE:
        # The template the data was read with (a folder name: found beside the data, in templates/).
        out.append(f"{TEMPLATE_KEY}: {_scalar(report.spec.folder.name)}")
        out.append("")
    out.append(f"{FACTS_KEY}:")
    for fact in report.spec.facts:
        value = report.facts.get(fact.key)
        if value is None or not _writes_fact(report, fact.key, value):
            continue
        line = f"{INDENT}{_key(fact.key)}: {_scalar(value)}"
        if value == PLACEHOLDER:
            line += f"   # 原报告中没有读出，请补填{('：' + fact.hint) if fact.hint else ''}"
        out.append(line)
    out.append("")
    spec = report.spec
    tables = {t.key[0]: t for t in spec.tables}
    parts = {p.key[0]: p for p in spec.parts if p.key[:1] in "一二三四五六"}
    opening = report.paragraphs.get("开头说明", [])
    if opening:
        _note(out, notes.get("开头说明"), "")
        _block(out, "开头说明", opening, "")
        out.append("")
    for numeral in "一二三四五六":
        if numeral in tables:
            _table(out, report, tables[numeral], row_notes)
            out.append("")
            continue
        part = parts.get(numeral)
        if part is None:
            continue
        if part.kind == "paragraphs":
            _note(out, notes.get(part.key), "")
            _block(out, part.key, report.paragraphs.get(part.context, []), "")
        elif part.kind == "sections":
            out.append(f"{_key(part.key)}:")
            for section in part.sections:
                _note(out, notes.get(section.key), INDENT)
                _block(out, section.key, report.paragraphs.get(section.context, []), INDENT)
        else:
            out.append(f"{_key(part.key)}:")
            intro = report.paragraphs.get(part.context, [])
            if intro:
                _note(out, notes.get(part.intro), INDENT)
                _block(out, part.intro, intro, INDENT)
            for sub in report.subparts.get(part.context, []):
                _note(out, notes.get(sub.title), INDENT)
                _block(out, sub.title, sub.paragraphs, INDENT)
        out.append("")
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _writes_fact(report: ReportData, key: str, value: str) -> bool:
    """Facts the loader would derive by itself (title, office type) are left out when they agree."""
    if key == "标题":
        return value != report.spec.title_for(report.facts)
    if key == "机关类型":
        return key in report.fact_locations
    return True


def _note(out: list[str], note: str | None, indent: str) -> None:
    if note:
        out.extend(f"{indent}# {line}" for line in note.splitlines())


def _block(out: list[str], key: str, paragraphs: list[Paragraph], indent: str) -> None:
    texts = [p.text.strip() for p in paragraphs if p.text.strip()]
    if not texts:
        out.append(f'{indent}{_key(key)}: ""')
        return
    out.append(f"{indent}{_key(key)}: |")
    out.extend(f"{indent}{INDENT}{text}" for text in texts)


def _table(out: list[str], report: ReportData, table: Table, row_notes: dict[tuple[str, str], str]) -> None:
    if table.id in report.absent_tables:
        # Never zeros for a table that was not there: marked, and `check` lists it as a to-do.
        out.append(f"# 原报告中没有{table.id}：按实际数据逐行填写后删去“{ABSENT_TABLE}”（缺表的报告不能生成）")
        out.append(f"{_key(table.key)}: {ABSENT_TABLE}")
        return
    out.append(f"{_key(table.key)}:")
    if table.columns and len(table.columns) > 1:
        labels = "、".join(c.label for c in table.columns)
        noun = "行" if len(table.columns) > 5 else "项"
        out.append(f"{INDENT}# 每{noun} {len(table.columns)} 个数，依次为：{labels}")
    written: list[tuple[str, ...]] = []
    for row in table.rows:
        parents = row.path[:-1]
        depth = len(parents)
        for level in range(depth):
            prefix = parents[: level + 1]
            if prefix not in written:
                written.append(prefix)
                out.append(f"{INDENT * (level + 1)}{_key(prefix[-1])}:")
                group = next((g for g in table.groups if g.label == prefix[-1]), None)
                if group is not None and len(group.columns) > 1 and not table.columns:
                    out.append(f"{INDENT * (level + 2)}# {'、'.join(c.label for c in group.columns)}")
        indent = INDENT * (depth + 1)
        _note(out, row_notes.get((table.id, row.id)), indent)
        out.append(f"{indent}{_key(row.label)}: {_row_values(report, table, row)}")


def _row_values(report: ReportData, table: Table, row: Row) -> str:
    # A number that could not be read is written as the placeholder, never as a guessed 0.
    values = [PLACEHOLDER if (table.id, row.id, c.id) in report.invalid_cells
              else format_number(report.value(table.id, row.id, c.id)) for c in row.columns]
    if len(values) == 1:
        column = row.columns[0]
        comment = f"   # {column.label.replace('（单位：', '，单位：').rstrip('）')}" if column.kind == "amount" else ""
        return values[0] + comment
    return "[" + ", ".join(values) + "]"


def _plain_ok(text: str, as_key: bool) -> bool:
    if not text or text != text.strip() or "\n" in text:
        return False
    probe = f"{text}: x" if as_key else f"k: {text}"
    try:
        node = yaml.compose(probe, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return False
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        return False
    key, value = node.value[0]
    scalar = key if as_key else value
    return isinstance(scalar, yaml.ScalarNode) and scalar.style is None and scalar.value == text


def _key(text: str) -> str:
    return text if _plain_ok(text, True) else json.dumps(text, ensure_ascii=False)


def _scalar(text: str) -> str:
    return text if _plain_ok(text, False) else json.dumps(text, ensure_ascii=False)
