"""JSON Schema (Draft 7) of a template's data files, derived from its fields.yaml.

An editor with a YAML language server (VS Code + YAML extension, WPS/JetBrains alike) reads it from the
`# yaml-language-server: $schema=…` line that `nianbao new` and `nianbao import` write on top of a data
file: keys are offered with their official labels, each with a Chinese description (unit and meaning of
the row), and structural mistakes are underlined while typing.

The schema is the structure only: the balance rules and the wording checks stay with `nianbao check`.
It accepts the official labels, the aliases of fields.yaml and labels written without their enumeration
(`总体情况` for `一、总体情况`), as the checker does; other spellings the checker folds (full-/half-width
punctuation, spaces) are flagged by the editor although `nianbao check` accepts them.
"""

from __future__ import annotations

from typing import Any

from .spec import Column, Fact, Part, Row, Spec, Table, strip_enumeration
from .values import MAX_AMOUNT, MAX_COUNT

DRAFT7 = "http://json-schema.org/draft-07/schema#"
TEMPLATE_KEY = "模板"
FACTS_KEY = "基本信息"
MODELINE = "# yaml-language-server: $schema="
# A sub-head of a 总体情况-like part: （一）… or (一)…, as load.py accepts it.
_SUBHEAD = r"^\s*[(（]\s*[一二三四五六七八九十]+\s*[)）]"

Schema = dict[str, Any]


def schema_file_name(spec: Spec, partial: bool = False) -> str:
    """The schema's file name beside the data: one per template folder (and one for files that take
    their missing facts from a shared defaults file such as `_共同.yaml`)."""
    return f"{spec.folder.name}{'.shared' if partial else ''}.schema.json"


def modeline(spec: Spec, partial: bool = False) -> str:
    """The first line of a data file: the schema beside it, by a relative path."""
    return MODELINE + schema_file_name(spec, partial)


def data_schema(spec: Spec, partial: bool = False) -> Schema:
    """The schema of one office's data file; `partial`: of a shared defaults file (nothing required)."""
    properties: dict[str, Schema] = {
        TEMPLATE_KEY: {"type": "string", "description": "所用模板：模板名称（如 official-2021）或模板文件夹路径"},
        FACTS_KEY: _facts(spec.facts, partial),
    }
    required = [FACTS_KEY]
    for part in spec.parts:
        part_schema = _part(part, partial)
        for key in _keys(part.key):
            properties[key] = part_schema
        if part.required:
            required.append(part.key)
    for table in spec.tables:
        table_schema = _table(table)
        for key in _keys(table.key):
            properties[key] = table_schema
    schema: Schema = {
        "$schema": DRAFT7,
        "title": f"政府信息公开工作年度报告数据文件（模板：{spec.name}）",
        "description": "由 nianbao schema 生成；表格勾稽关系等由 nianbao check 核对。",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if not partial:
        # A part written without its enumeration counts as given.
        schema["allOf"] = [_required_one_of(_keys(key)) for key in required]
    return schema


def schema_text(spec: Spec, partial: bool = False) -> str:
    import json  # only when a schema is written: not loaded at start-up

    return json.dumps(data_schema(spec, partial), ensure_ascii=False, indent=2) + "\n"


def _keys(label: str) -> list[str]:
    """The official label and, when different, the label without its enumeration."""
    short = strip_enumeration(label)
    return [label] if short == label else [label, short]


def _required_one_of(keys: list[str]) -> Schema:
    if len(keys) == 1:
        return {"required": keys}
    return {"anyOf": [{"required": [key]} for key in keys]}


def _scalar_text() -> Schema:
    return {"type": ["string", "number"]}


def _facts(facts: list[Fact], partial: bool) -> Schema:
    properties: dict[str, Schema] = {}
    for fact in facts:
        schema: Schema
        if fact.kind == "year":
            low = fact.since or 2008
            schema = {"anyOf": [{"type": "integer", "minimum": low, "maximum": 9999},
                                {"type": "string", "pattern": "^[0-9]{4}$"}]}
        elif fact.kind == "postcode":
            schema = {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 999999},
                                {"type": "string", "pattern": "^[0-9]{6}$"}]}
        elif fact.kind == "phone":
            schema = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "minLength": 1}]}
        elif fact.choices:
            schema = {"type": "string", "enum": list(fact.choices)}
        else:
            schema = {**_scalar_text(), "minLength": 1}
        schema["description"] = fact.hint or fact.key
        properties[fact.key] = schema
    result: Schema = {
        "type": "object",
        "description": "基本信息：机关、年度、公开网站、联系方式等",
        "properties": properties,
        "additionalProperties": False,
    }
    if not partial:
        result["required"] = [f.key for f in facts if f.required]
    return result


def _text_block(description: str, allow_empty: bool) -> Schema:
    """A text block: a `|` block (one paragraph a line) or a list of lines."""
    options: list[Schema] = [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    if allow_empty:
        options.append({"type": "null"})
    return {"description": description, "anyOf": options}


def _part(part: Part, partial: bool) -> Schema:
    if part.kind == "paragraphs":
        return _text_block(f"{part.key}：文字，每段一行", allow_empty=partial or not part.required)
    if part.kind == "sections":
        properties: dict[str, Schema] = {}
        for section in part.sections:
            for key in _keys(section.key):
                properties[key] = _text_block(f"{section.key}：文字，每段一行", allow_empty=False)
        schema: Schema = {
            "type": "object",
            "description": f"{part.key}：各小节的文字",
            "properties": properties,
            "additionalProperties": False,
        }
        if not partial:
            schema["allOf"] = [_required_one_of(_keys(s.key)) for s in part.sections]
        return schema
    aspects = "、".join(name for name, _ in part.aspects)
    properties = {}
    if part.intro:
        properties[part.intro] = _text_block(f"{part.key}开头的概述", allow_empty=True)
    return {
        "type": "object",
        "description": f"{part.key}：" + (f"「{part.intro}」和" if part.intro else "")
        + "以（一）（二）…开头的小标题，每个小标题下写文字" + (f"；应写到：{aspects}" if aspects else ""),
        "properties": properties,
        "patternProperties": {_SUBHEAD: _text_block("小标题下的文字，每段一行", allow_empty=False)},
        "additionalProperties": False,
    }


def _unit(column: Column) -> str:
    return "万元" if column.kind == "amount" else "件"


def _number(column: Column) -> Schema:
    """A cell: a non-negative number of the column's kind, also as quoted digits (the checker reads them)."""
    if column.kind == "amount":
        return {"anyOf": [{"type": "number", "minimum": 0, "maximum": int(MAX_AMOUNT)},
                          {"type": "string", "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*$"}]}
    return {"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_COUNT},
                      {"type": "string", "pattern": r"^\s*[0-9]+\s*$"}]}


def _row(table: Table, row: Row) -> Schema:
    columns = row.columns
    meaning = f"{table.id}「{' '.join(row.path)}」"
    units = sorted({_unit(c) for c in columns})
    listing = "、".join(c.label for c in columns)
    description = f"{meaning}，单位：{'、'.join(units)}；栏目依次为：{listing}"
    if any(c.computed for c in columns) or row.computed:
        description += "（总计可以不写，由工具计算并核对）"
    required = [c for c in columns if not c.computed]
    options: list[Schema] = []
    if len(columns) == 1:
        options.append(_number(columns[0]))
    items: list[Schema] = [{**_number(c), "description": f"{c.label}（{_unit(c)}）"} for c in columns]
    options.append({
        "type": "array",
        "items": items,
        "minItems": len(required),
        "maxItems": len(columns),
        "additionalItems": False,
    })
    by_column: dict[str, Schema] = {}
    for column in columns:
        cell = {**_number(column), "description": f"{column.label}（{_unit(column)}）"}
        by_column[column.label] = cell
        by_column.setdefault(column.id, cell)
    options.append({"type": "object", "properties": by_column, "additionalProperties": False, "minProperties": 1})
    return {"description": description, "anyOf": options}


def _table(table: Table) -> Schema:
    tree: dict[str, Any] = {}
    for row in table.rows:
        level = tree
        for label in row.path[:-1]:
            level = level.setdefault(label, {})
        level[row.path[-1]] = row
    schema = _level(table, tree, table.key)
    schema["anyOf"] = [{"type": "object"}, {"type": "null"}]
    schema.pop("type")
    return schema


def _level(table: Table, tree: dict[str, Any], where: str) -> Schema:
    official: list[tuple[str, Schema]] = []
    extra: list[tuple[str, Schema]] = []
    for label, entry in tree.items():
        if isinstance(entry, Row):
            row_schema = _row(table, entry)
            names = [*_keys(label), *entry.aliases]
        else:
            row_schema = {**_level(table, entry, label), "type": ["object", "null"]}
            names = _keys(label)
        official.append((label, row_schema))
        extra.extend((name, row_schema) for name in names[1:])
    # Official labels first: a short form or alias never hides another row's official label.
    properties = dict(official)
    for name, row_schema in extra:
        properties.setdefault(name, row_schema)
    return {
        "type": "object",
        "description": f"{where}：按官方表格逐项填写，没写的栏目按 0 计",
        "properties": properties,
        "additionalProperties": False,
    }
