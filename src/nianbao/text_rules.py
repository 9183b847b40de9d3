"""Text against tables (README, 跨年度核对和正文与表格的核对): what the text says must agree with the tables.

The patterns are data (rules.yaml): `text_numbers` patterns capture a number quoted in the text (and
optionally a percentage) and name the cells it must equal; `text_claims` patterns recognise a statement
("未收到…申请", "均获维持", "尚未审结") and say whether the named cells must be zero or not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from .model import Number, Paragraph, ReportData
from .problems import Problem
from .regex_cache import compile_patterns
from .spec import Rule
from .values import chinese_number

CellRef = list[str]  # [table id, row id or 组:group, column id]


# A number quoted in the text may be written in Chinese numerals (三件, 十二件): every pattern's number
# group takes them too.
_NUMBER_GROUP = "(?P<n>\\d+)"
_NUMBER_OR_NUMERAL = "(?P<n>\\d+|[零〇一二两三四五六七八九十百千]+)"


_PATTERNS: dict[str, re.Pattern[str]] = {}  # one template's patterns per run, in practice


def _compiled_all(regexes: list[str]) -> list[re.Pattern[str]]:
    """The rule's patterns compiled, all at once the first time (from the disk cache when they have been
    compiled before: see regex_cache), then from memory."""
    missing = list(dict.fromkeys(r for r in regexes if r not in _PATTERNS))
    if missing:
        compiled = compile_patterns([r.replace(_NUMBER_GROUP, _NUMBER_OR_NUMERAL) for r in missing])
        _PATTERNS.update(zip(missing, compiled, strict=True))
    return [_PATTERNS[r] for r in regexes]


_ANY: dict[tuple[str, ...], re.Pattern[str] | None] = {}
_REPORTS_SEEN = [0]  # reports whose text numbers were checked in this process
_JOIN_AFTER = 50
_FLAGS = "aiLmsux"


def _any_of(regexes: list[str]) -> re.Pattern[str] | None:
    """One pattern that finds something in a text exactly when one of `regexes` (as _compiled_all reads
    them) would: a paragraph where it finds nothing is not searched with each of them (most paragraphs
    quote no figure). None when the patterns cannot be joined faithfully (see _renamed)."""
    key = tuple(regexes)
    if key not in _ANY:
        sources = [r.replace(_NUMBER_GROUP, _NUMBER_OR_NUMERAL) for r in regexes]
        renamed = [_renamed(source, index) for index, source in enumerate(sources)]
        joined: re.Pattern[str] | None = None
        if sources and all(r is not None for r in renamed):
            try:
                joined = compile_patterns(["|".join(f"(?:{r})" for r in renamed)])[0]
            except re.error:
                joined = None
            if joined is not None and joined.groups != sum(p.groups for p in _compiled_all(regexes)):
                joined = None  # the renaming took something for a group that was not: not used
        if len(_ANY) > 64:
            _ANY.clear()
        _ANY[key] = joined
    return _ANY[key]


def _renamed(source: str, suffix: int) -> str | None:
    """`source` with each named group `(?P<name>` renamed `(?P<name_suffix>`, so that several patterns can
    be joined into one (a name may be given once in a pattern); None when it holds what joining could
    change (a backreference, a conditional group, global flags) or what this reading is not sure of."""
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        c = source[i]
        if c == "\\":
            following = source[i + 1 : i + 2]
            if (following.isdigit() and not in_class) or following == "g":
                return None  # a numbered backreference
            out.append(source[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            start = i
            i += 1
            if source[i : i + 1] == "^":
                i += 1
            if source[i : i + 1] == "]":
                i += 1  # a "]" first in a class is the character itself
            out.append(source[start:i])
            continue
        if source.startswith("(?P<", i):
            end = source.find(">", i)
            name = source[i + 4 : end]
            if end < 0 or not name.isidentifier():
                return None
            out.append(f"(?P<{name}_{suffix}>")
            i = end + 1
            continue
        if source.startswith(("(?P=", "(?(", "(?P>"), i):
            return None
        if source.startswith("(?", i) and source[i + 2 : i + 3] in tuple(_FLAGS):
            j = i + 2
            while j < n and source[j] in _FLAGS + "-":
                j += 1
            if source[j : j + 1] != ":":
                return None  # global flags apply to the whole pattern
        out.append(c)
        i += 1
    return None if in_class else "".join(out)


def quoted_number(text: str) -> int | None:
    """A number as the text writes it: 12, or 十二 (None for what is not a number, such as 一些)."""
    return int(text) if text.isdigit() else chinese_number(text)



def _sum(report: ReportData, refs: list[CellRef]) -> tuple[Number, bool]:
    """The sum of the referenced cells, and whether all of them could be read."""
    total: Number = 0
    readable = True
    for table_id, row_ref, column in refs:
        table = report.spec.table(table_id)
        for row in table.expand_rows([row_ref]):
            key = (table_id, row.id, column)
            readable = readable and key not in report.invalid_cells
            total += report.value(*key)
    return total, readable


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
    compiled = _compiled_all([pattern["regex"] for pattern in patterns])
    # The joined pattern costs a cache read or a compile (about 2 ms) and saves some 0.04 ms an office:
    # made only once a run has checked a few offices (a district), not for one office.
    _REPORTS_SEEN[0] += 1
    anywhere = _any_of([pattern["regex"] for pattern in patterns]) if _REPORTS_SEEN[0] > _JOIN_AFTER else None
    for paragraph in _paragraphs(report):
        if anywhere is not None and anywhere.search(paragraph.text) is None:
            continue  # no pattern finds anything here
        taken: set[int] = set()
        for pattern, regex in zip(patterns, compiled, strict=True):
            for match in regex.finditer(paragraph.text):
                if match.start("n") in taken:
                    continue
                taken.add(match.start("n"))
                yield from _number_problems(report, rule, pattern, paragraph, match)


def _number_problems(
    report: ReportData, rule: Rule, pattern: dict, paragraph: Paragraph, match: re.Match[str]  # type: ignore[type-arg]
) -> Iterator[Problem]:
    number = quoted_number(match.group("n"))
    if number is None:
        return
    quoted = number
    table_value, readable = _sum(report, pattern["cells"])
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
    compiled = _compiled_all([claim["regex"] for claim in claims])
    for paragraph in _paragraphs(report):
        for claim, regex in zip(claims, compiled, strict=True):
            match = regex.search(paragraph.text)
            if match is None:
                continue
            value, readable = _sum(report, claim["cells"])
            if not readable:
                continue
            holds = value == 0 if claim["expect"] == "zero" else value > 0
            if holds:
                continue
            label = claim.get("label") or describe(report, claim["cells"])
            message = rule.message.format(原文=match.group(0), 表格=label, 表中=value)
            yield Problem(rule.level, paragraph.location, message, claim.get("hint", rule.hint), rule.id)
