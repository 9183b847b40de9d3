"""Text against tables (README, 跨年度核对和正文与表格的核对): what the text says must agree with the tables.

The patterns are data (rules.yaml): `text_numbers` patterns capture a number quoted in the text (and
optionally a percentage) and name the cells it must equal; `text_claims` patterns recognise a statement
("未收到…申请", "均获维持", "尚未审结") and say whether the named cells must be zero or not.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from .model import CellKey, Number, Paragraph, ReportData
from .problems import Problem
from .regex_cache import compile_patterns
from .spec import Rule, Spec, Table
from .values import chinese_number

CellRef = list[str]  # [table id, row id or 组:group, column id]


# A number quoted in the text may be written in Chinese numerals (三件, 十二件): every pattern's number
# group takes them too.
_NUMBER_GROUP = "(?P<n>\\d+)"
_NUMBER_OR_NUMERAL = "(?P<n>\\d+|[零〇一二两三四五六七八九十百千]+)"


_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")
_BACK_REFERENCE = re.compile(r"\(\?P=|\(\?\(|\\[1-9]|\\g<")


class _Made(NamedTuple):
    """What a text rule's checks make of it once per template (kept on the rule: `Rule.made`). The patterns
    depend on the rule only (its settings are never changed in place); the keys on the template's tables
    too: made again when the spec is another one or holds other table objects (as load._WalkPlan checks)."""

    spec: Spec  # the template it was made for
    tables: tuple[Table, ...]  # the spec's tables when it was made (compared object by object)
    compiled: list[re.Pattern[str]]  # each entry's pattern, in order
    any_of: re.Pattern[str] | None  # one pattern finding something exactly where one of them does (_any_of)
    # Each entry's `cells` as the keys of the cells summed; None for one naming what the template lacks
    # (then summed from its `cells`, which says so when the entry matches, as it always did).
    keys: list[list[CellKey] | None]


def _made(report: ReportData, rule: Rule, entries: list[dict[str, Any]], any_of: bool) -> _Made:
    spec = report.spec
    made: _Made | None = rule.made.get("text")
    if made is None:
        compiled = _compiled_all([entry["regex"] for entry in entries])
        keys = [_keys_or_none(spec, entry["cells"]) for entry in entries]
        made = rule.made["text"] = _Made(spec, tuple(spec.tables), compiled,
                                         _any_of(compiled) if any_of else None, keys)
    elif made.spec is not spec or not _same_objects(made.tables, spec.tables):
        keys = [_keys_or_none(spec, entry["cells"]) for entry in entries]
        made = rule.made["text"] = made._replace(spec=spec, tables=tuple(spec.tables), keys=keys)
    return made


def _same_objects(kept: tuple[Table, ...], now: list[Table]) -> bool:
    return len(kept) == len(now) and all(map(operator.is_, kept, now))


def _compiled_all(regexes: list[str]) -> list[re.Pattern[str]]:
    """The patterns compiled, all at once (from the disk cache when they have been compiled before: see
    regex_cache); a number group takes Chinese numerals too."""
    return compile_patterns([r.replace(_NUMBER_GROUP, _NUMBER_OR_NUMERAL) for r in regexes])


def _any_of(compiled: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One pattern that finds something in a text exactly when one of `compiled` does (a text where none
    of a rule's patterns can match is passed over at once: most paragraphs); None when it cannot be made."""
    source = _any_source(compiled)
    if source is None:
        return None
    try:
        return compile_patterns([source])[0]
    except re.error:  # e.g. a pattern with global flags, which only the start of a pattern may have
        return None


def _any_source(compiled: list[re.Pattern[str]]) -> str | None:
    """The patterns as alternatives of one, their named groups made non-capturing (a name may be given
    only once in a pattern). None when that could change what one of them matches: a back-reference or
    a conditional group (whose group numbers would shift), or a `(?P<` that is not exactly its groups."""
    if not compiled:
        return None
    parts = []
    for pattern in compiled:
        source = pattern.pattern
        if pattern.flags & ~re.UNICODE or _BACK_REFERENCE.search(source) is not None:
            return None
        if sorted(_NAMED_GROUP.findall(source)) != sorted(pattern.groupindex):
            return None  # e.g. an escaped parenthesis before ?P<: left as it is
        parts.append(f"(?:{_NAMED_GROUP.sub('(?:', source)})")
    return "|".join(parts)


def quoted_number(text: str) -> int | None:
    """A number as the text writes it: 12, or 十二 (None for what is not a number, such as 一些)."""
    return int(text) if text.isdigit() else chinese_number(text)



def _keys(spec: Spec, refs: list[CellRef]) -> list[CellKey]:
    """The keys of the cells that `refs` name (a row reference may be a group of rows)."""
    return [(table_id, row.id, column) for table_id, row_ref, column in refs
            for row in spec.table(table_id).expand_rows([row_ref])]


def _keys_or_none(spec: Spec, refs: list[CellRef]) -> list[CellKey] | None:
    try:
        return _keys(spec, refs)
    except KeyError:
        return None


def _sum(report: ReportData, refs: list[CellRef]) -> tuple[Number, bool]:
    """The sum of the referenced cells, and whether all of them could be read."""
    return _sum_keys(report, _keys(report.spec, refs))


def _sum_keys(report: ReportData, keys: list[CellKey]) -> tuple[Number, bool]:
    """The sum of the cells of `keys`, and whether all of them could be read."""
    invalid = report.invalid_cells  # usually empty: no search then
    return report.sum_of(keys), not (invalid and any(key in invalid for key in keys))


def describe(report: ReportData, refs: list[CellRef]) -> str:
    """表三「一、本年新收政府信息公开申请数量」行「总计」栏, or several such names joined, with 之和."""
    names = []
    for table_id, row_ref, column_id in refs:
        table = report.spec.table(table_id)
        if row_ref.startswith("组:"):
            group = next(g for g in table.groups if g.id == row_ref[2:])
            row_name = group.label
        else:
            row_name = table.row(row_ref).display
        column = next(c for c in table.all_columns() if c.id == column_id)
        names.append(f"{table_id}「{row_name}」行「{column.label}」栏")
    return names[0] if len(names) == 1 else "、".join(names) + "之和"


def _paragraphs(report: ReportData) -> Iterator[Paragraph]:
    for _, paragraphs in report.text_blocks():
        yield from paragraphs


def check_text_numbers(report: ReportData, rule: Rule) -> Iterator[Problem]:
    """Patterns are tried in the order written: a number one pattern has taken (予以公开及部分公开42件, by
    the combined pattern) is not compared again by a later one (部分公开42件)."""
    patterns = rule.params["patterns"]
    made = _made(report, rule, patterns, any_of=True)
    any_of = made.any_of
    for paragraph in _paragraphs(report):
        if any_of is not None and any_of.search(paragraph.text) is None:
            continue  # no pattern matches anywhere in it
        taken: set[int] = set()
        for pattern, regex, keys in zip(patterns, made.compiled, made.keys, strict=True):
            for match in regex.finditer(paragraph.text):
                if match.start("n") in taken:
                    continue
                taken.add(match.start("n"))
                yield from _number_problems(report, rule, pattern, keys, paragraph, match)


def _number_problems(
    report: ReportData, rule: Rule, pattern: dict, keys: list[CellKey] | None,  # type: ignore[type-arg]
    paragraph: Paragraph, match: re.Match[str],
) -> Iterator[Problem]:
    number = quoted_number(match.group("n"))
    if number is None:
        return
    quoted = number
    table_value, readable = _sum(report, pattern["cells"]) if keys is None else _sum_keys(report, keys)
    if not readable:
        return
    at_least = pattern.get("op") == ">="
    wrong = quoted < table_value if at_least else quoted != table_value
    if wrong:
        label = pattern.get("label") or describe(report, pattern["cells"])  # named only when it is said
        fields = {"原文": match.group(0), "文中": quoted, "表格": label, "表中": table_value}
        message = rule.params["message_at_least"] if at_least else rule.message
        yield Problem(rule.level, paragraph.location, message.format(**fields), rule.hint, rule.id)
    percent = match.groupdict().get("p")
    if percent is None or "percent_of" not in pattern:
        return
    base = _percent_base(rule, match, pattern["percent_of"])
    whole, readable = _sum(report, base)
    if not readable or not whole:
        return
    written = Decimal(percent)
    decimals = max(0, -written.as_tuple().exponent)  # type: ignore[operator]
    expected = Decimal(table_value) * 100 / Decimal(whole)
    if abs(expected - written) > Decimal(5) / Decimal(10) ** (decimals + 1):
        shown = round(expected, decimals) if decimals else round(expected)
        yield Problem(
            rule.level, paragraph.location,
            rule.params["message_percent"].format(
                原文=match.group(0), 应为=shown, 部分=table_value, 总数=whole,
                总数栏=describe(report, base),
            ),
            rule.hint, rule.id,
        )


def _percent_base(rule: Rule, match: re.Match[str], default: list[CellRef]) -> list[CellRef]:
    """What a percentage is of: the base the text names between 占 and the figure (占新收申请的25% → the
    new applications; rules.yaml `percent_bases`), else the pattern's `percent_of`."""
    named = match.groupdict().get("base") or ""
    for base in rule.params.get("percent_bases", []):
        if any(word in named for word in base["words"]):
            return list(base["cells"])
    return default


def check_text_claims(report: ReportData, rule: Rule) -> Iterator[Problem]:
    claims = rule.params["claims"]
    made = _made(report, rule, claims, any_of=False)  # searched once each: no any_of
    for paragraph in _paragraphs(report):
        for claim, regex, keys in zip(claims, made.compiled, made.keys, strict=True):
            match = regex.search(paragraph.text)
            if match is None:
                continue
            value, readable = _sum(report, claim["cells"]) if keys is None else _sum_keys(report, keys)
            if not readable:
                continue
            holds = value == 0 if claim["expect"] == "zero" else value > 0
            if holds:
                continue
            label = claim.get("label") or describe(report, claim["cells"])
            message = rule.message.format(原文=match.group(0), 表格=label, 表中=value)
            yield Problem(rule.level, paragraph.location, message, claim.get("hint", rule.hint), rule.id)
