"""Load stage: YAML data file(s) → `ReportData`, collecting every problem with its file:line.

The field list of the template (fields.yaml) drives the walk: facts, text parts and the three tables.
Cells left out are 0; totals left out are computed from their parts before the report is returned. Keys are matched after folding
full-/half-width punctuation, so `(一)予以公开` finds `（一）予以公开`; unknown keys are refused with a
"您是否想写 …" hint.
"""

from __future__ import annotations

import operator
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from .model import Cell, Paragraph, ReportData, SubPart
from .problems import Kind, Location, Problem, error, warning
from .source import Node, SourceFile, load_source
from .spec import (
    ABSENT_TABLE,
    PENDING_RULE,
    PLACEHOLDER,
    Column,
    Fact,
    Part,
    Row,
    Spec,
    Table,
    load_spec,
    normalize_label,
    plain_path,
    resolve_template,
    strip_enumeration,
)
from .totals import compute_totals
from .values import (
    Number,
    clean_text,
    full_width_enumeration,
    is_plain_count,
    read_cell,
)

TEMPLATE_KEY = "模板"
FIRST_YEAR = 2008  # 《政府信息公开条例》 took effect on 1 May 2008
FACTS_KEY = "基本信息"
# What the walk matches on every office, compiled once (not looked up in re's cache each time).
_YEAR_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{4})\s*年")
_POSTCODE = re.compile(r"[0-9]{6}")
_PHONE = re.compile(r"[0-9\-—()+ 、,/转]+")
_DIGIT = re.compile(r"[0-9]")
_YEAR = re.compile(r"[0-9]{4}")
_SUBHEAD_START = re.compile(r"^\([一二三四五六七八九十]+\)")

def load_report(
    path: Path | str,
    defaults: Sequence[Path | str] = (),
    template: Path | str | None = None,
) -> tuple[ReportData | None, list[Problem]]:
    """Read one office's data file, on top of any shared defaults files (applied in order).

    Returns the data (None when it could not be read at all) and every problem found while reading.
    Totals left out are already computed from their parts (rules.yaml `computes`), so the report can be
    rendered as it is; the rules themselves are run by `check.check_report`.
    Raises `FileTrouble` when a file cannot be opened, `TemplateTrouble` when the template is unusable.
    """
    path = plain_path(path)  # one per office: its parts not interned
    sources: list[SourceFile] = [_shared_source(plain_path(d)) for d in defaults]
    sources.append(load_source(path))
    problems: list[Problem] = [p for s in sources for p in s.problems]
    office = sources[-1]
    if office.root is None:
        return None, problems

    root: Node | None = None
    for src in sources:
        if src.root is None:
            continue
        if src.root.kind != "map":
            problems.append(
                error(src.root.location, f"文件的最外层应为“键: 值”结构，实际是{src.root.describe()}",
                      "参照 data/ 下的示例文件，每行写成“键: 值”")
            )
            continue
        root = src.root if root is None else merge_nodes(root, src.root)
    if root is None:
        return None, problems

    template_node = _find(root, TEMPLATE_KEY)
    if template is None and template_node is not None:
        template_base = _source_dir(template_node, sources)
        spec = load_spec(resolve_template(template_node.text, base=template_base))
    else:
        spec = load_spec(resolve_template(template, base=path.parent))

    report = ReportData(path=path, source=office.display, spec=spec, source_paths=[s.path for s in sources])
    walker = _Walker(report, problems)
    walker.walk(root)
    compute_totals(report)
    return report, problems


def derive_facts(facts: dict[str, str], spec: Spec) -> None:
    """Fill in the facts the data may leave out: 机关类型 from the office name, 标题 from the template's pattern."""
    if "机关" in facts and "机关类型" not in facts:
        office_type = spec.office_type_for(facts.get("地区", "") + facts["机关"])
        if office_type is not None:
            facts["机关类型"] = office_type
    if "标题" not in facts and "机关" in facts and "年度" in facts:
        facts["标题"] = spec.title_for(facts)


def _shared_source(path: Path) -> SourceFile:
    """A defaults file, parsed once per process while unchanged: a district run reads it for every office.

    Safe to share because nothing downstream mutates a node tree (merging builds new mapping nodes).
    """
    try:
        stat = path.stat()
    except OSError:
        return load_source(path)  # raises the proper FileTrouble
    # Keyed on the absolute path as given, not resolved: a symlinked defaults file keeps its own name in messages.
    # Strings, not Paths: hashing a Path costs more than the rest of the look-up (once per office).
    return _cached_source(os.path.abspath(path), stat.st_mtime_ns, stat.st_size, os.getcwd())


@lru_cache(maxsize=64)
def _cached_source(path: str, mtime_ns: int, size: int, cwd: str) -> SourceFile:
    """Keyed on what would change the parse (content stamp) or its display name (working directory)."""
    return load_source(Path(path))


def merge_nodes(base: Node, over: Node) -> Node:
    """Overlay `over` on `base`: mappings merge key by key (recursively), anything else is replaced."""
    if base.kind != "map" or over.kind != "map":
        return over
    merged = Node("map", over.location)
    over_keys = {normalize_label(k.text): (k, v) for k, v in over.items}
    for key, value in base.items:
        folded = normalize_label(key.text)
        if folded in over_keys:
            okey, ovalue = over_keys.pop(folded)
            merged.items.append((okey, merge_nodes(value, ovalue)))
        else:
            merged.items.append((key, value))
    merged.items.extend(over_keys.values())
    return merged


def _find(node: Node, key: str) -> Node | None:
    for k, v in node.items:
        if normalize_label(k.text) == normalize_label(key):
            return v
    return None


def _source_dir(node: Node, sources: list[SourceFile]) -> Path:
    for src in sources:
        if src.display == node.location.file:
            return src.path.parent
    return sources[-1].path.parent


def did_you_mean(key: str, candidates: Iterable[str]) -> str:
    """A hint naming the closest official label, or listing what may be written here."""
    options = list(dict.fromkeys(candidates))
    folded = {normalize_label(c): c for c in options}
    import difflib  # only here: not loaded at start-up
    close = difflib.get_close_matches(normalize_label(key), list(folded), n=1, cutoff=0.5)
    if close:
        return f"您是否想写「{folded[close[0]]}」？"
    if len(options) <= 8:
        return "这里可以写：" + "、".join(f"「{c}」" for c in options)
    return "请使用官方格式中的名称，参照 data/ 下的示例文件"


class _Walker:
    """Walks the merged node tree along the field list, filling `report` and `problems`."""

    def __init__(self, report: ReportData, problems: list[Problem]) -> None:
        self.report = report
        self.spec: Spec = report.spec
        self.problems = problems
        self.plan = _walk_plan(self.spec)  # what the template's keys are, made once per template
        # Labels offered in a "您是否想写" hint: their "missing" problem would repeat the same mistake.
        self.suggested: set[str] = set()
        self.pending_rows: set[tuple[str, str]] = set()  # table rows holding a 【待补】 number

    # --- top level -------------------------------------------------------------------------------------

    def walk(self, root: Node) -> None:
        spec = self.spec
        plan = self.plan
        handlers = plan.handlers
        seen: set[str] = set()
        official = plan.official
        for key, value in root.items:
            folded = normalize_label(key.text)
            if folded not in handlers:
                folded = self._match_unnumbered(folded, handlers) or folded
            if folded not in handlers:
                self._unknown_key(key, official, "文件最外层")
                continue
            name, target = handlers[folded]
            seen.add(name)
            if name == TEMPLATE_KEY:
                continue
            if name == FACTS_KEY:
                self._facts(key, value)
            elif isinstance(target, Part):
                self.report.part_locations[target.key] = key.location
                self._part(target, key, value)
            elif isinstance(target, Table):
                self.report.table_locations[target.id] = key.location
                self._table(target, value)
        file_location = Location(self.report.source)
        if FACTS_KEY not in seen:
            self.problems.append(
                error(file_location, f"缺少「{FACTS_KEY}」", "在文件开头写明机关、年度、公开网站、联系方式等基本信息")
            )
            self._facts(None, None)
        for part in spec.parts:
            if part.key not in seen:
                self._missing_part(part, file_location)
        for table in spec.tables:
            if table.id not in self.report.table_locations:
                self._table(table, None)
        self._year_mentions()

    def _year_mentions(self) -> None:
        """A 年度 that the title or the opening sentence contradicts is probably a copy of last year's file."""
        year = self.report.facts.get("年度")
        if not year:
            return
        title = self.report.facts.get("标题", "")
        for found in _YEAR_IN_TEXT.findall(title):
            if found != year:
                self.problems.append(
                    warning(self.report.fact_locations.get("标题", Location(self.report.source)),
                            f"「标题」中写的是 {found} 年，「年度」却是 {year}", "核对年度和标题，改成同一年")
                )
                break
        opening = next((self.report.paragraphs[p.context] for p in self.spec.parts
                        if self.report.paragraphs.get(p.context)), [])
        if opening:
            match = _YEAR_IN_TEXT.search(opening[0].text[:15])
            if match and match.group(1) != year:
                self.problems.append(
                    warning(opening[0].location, f"正文开头写的是 {match.group(1)} 年，「年度」却是 {year}",
                            "核对年度和正文，改成同一年（是否沿用了上一年的文字？）")
                )

    def _match_unnumbered(self, folded: str, handlers: dict[str, tuple[str, object]]) -> str | None:
        """Accept a label written without its enumeration (`总体情况` for `一、总体情况`) when unique."""
        matches = [k for k in handlers if strip_enumeration(k) == folded and k != folded]
        return matches[0] if len(matches) == 1 else None

    def _unknown_key(self, key: Node, candidates: Iterable[str], where: str) -> None:
        term = self.plan.outdated.get(normalize_label(key.text))
        if term is not None:
            self.problems.append(
                error(
                    key.location,
                    f"「{key.text}」是{term['why']}，现行格式（国办公开办函〔2021〕30号）应为「{term['use']}」",
                    f"把「{key.text}」改为「{term['use']}」，并按现行格式填写",
                    rule="旧格式和改动的栏目",
                )
            )
            return
        hint = did_you_mean(key.text, candidates)
        if hint.startswith("您是否想写「"):
            self.suggested.add(hint[len("您是否想写「") : -len("」？")])
        self.problems.append(error(key.location, f"{where}不认识「{key.text}」", hint))

    # --- facts -----------------------------------------------------------------------------------------

    def _facts(self, key: Node | None, node: Node | None) -> None:
        facts = self.plan.facts
        given: dict[str, tuple[Node, Node]] = {}
        if node is not None:
            if node.kind != "map":
                self.problems.append(
                    error(node.location, f"「{FACTS_KEY}」下应为“键: 值”的各项，实际是{node.describe()}",
                          "每项一行，如“  机关: 安宁街道”（比「基本信息」多缩进两个空格）")
                )
                return  # every fact would be "missing": the one message above says it all
            else:
                for k, v in node.items:
                    fact = facts.get(normalize_label(k.text))
                    if fact is None:
                        self._unknown_key(k, [f.key for f in self.spec.facts], f"「{FACTS_KEY}」中")
                        continue
                    given[fact.key] = (k, v)
        where = key.location if key is not None else Location(self.report.source)
        for fact in self.spec.facts:
            if fact.key not in given:
                if fact.required and fact.key not in self.suggested:
                    self.problems.append(
                        error(where, f"「{FACTS_KEY}」缺少「{fact.key}」", fact.hint or f"补充「{fact.key}」")
                    )
                continue
            k, v = given[fact.key]
            value = self._fact_value(fact, k, v)
            if value is not None:
                self.report.facts[fact.key] = value
                self.report.fact_locations[fact.key] = v.location
        self._derive_facts(where)

    def _fact_value(self, fact: Fact, key: Node, node: Node) -> str | None:
        label = f"「{FACTS_KEY}」的「{fact.key}」"
        if node.kind != "scalar":
            self.problems.append(
                error(node.location, f"{label}应为一行文字，实际是{node.describe()}",
                      "文字以 { 或 [ 开头时请用引号括起来")
            )
            return None
        text = clean_text(node.text).strip()
        if node.is_empty() or not text:
            self.problems.append(error(node.location, f"{label}是空的", fact.hint or "请填写"))
            return None
        if text == PLACEHOLDER:
            return self._pending_fact(fact, node, label)
        if fact.kind == "year":
            return self._year(fact, node, text, label)
        if fact.kind in ("postcode", "phone"):
            ascii_text = _ascii_digits(text)
            if ascii_text is None:
                self.problems.append(
                    error(node.location, f"{label}“{text}”含有不是阿拉伯数字的数字", "请用半角数字 0-9 重新输入")
                )
                return None
            if ascii_text != text:
                self.problems.append(
                    warning(node.location, f"{label}“{text}”用了全角数字或符号，已按“{ascii_text}”处理",
                            f"建议改为半角：{ascii_text}")
                )
                text = ascii_text
        if fact.kind == "postcode":
            if not _POSTCODE.fullmatch(text):
                self.problems.append(
                    error(node.location, f"{label}应为6位数字，实际是“{text}”", "如 646000")
                )
                return None
        elif fact.kind == "phone":
            if not _PHONE.fullmatch(text) or not _DIGIT.search(text):
                self.problems.append(
                    error(node.location, f"{label}“{text}”不像电话号码", "写成 0830-2665996 这样的形式")
                )
                return None
        if fact.choices and text not in fact.choices:
            self.problems.append(
                error(node.location, f"{label}只能是{'、'.join(fact.choices)}之一，实际是“{text}”",
                      did_you_mean(text, fact.choices))
            )
            return None
        return text

    def _pending_fact(self, fact: Fact, node: Node, label: str) -> str | None:
        """A fact `nianbao import` could not find: a to-do, not an error. Text facts keep the placeholder,
        so a built report shows it; a year cannot be a placeholder (titles, names and rules need it)."""
        hint = f"补填「{fact.key}」" + (f"（{fact.hint}）" if fact.hint else "") + f"，写好后删去“{PLACEHOLDER}”"
        if fact.kind == "year":
            self.problems.append(
                error(node.location, f"{label}待补：导入的原报告中没有读出年度，没有年度无法核对和生成", hint,
                      rule=PENDING_RULE)
            )
            return None
        self.problems.append(
            warning(node.location, f"{label}待补：导入的原报告中没有读出", hint, rule=PENDING_RULE)
        )
        return PLACEHOLDER

    def _year(self, fact: Fact, node: Node, text: str, label: str) -> str | None:
        """年度: four ASCII digits, from 2008 (the regulation's first year) to next year, and not before the
        first year of the template's format."""
        if not _YEAR.fullmatch(text):
            ascii_text = _ascii_digits(text)
            fix = f"改为半角数字 {ascii_text}" if ascii_text and re.fullmatch(r"[0-9]{4}", ascii_text) else "如 2024（不要写“年”字）"
            self.problems.append(error(node.location, f"{label}应为四位半角数字的年份，实际是“{text}”", fix))
            return None
        year, latest = int(text), date.today().year + 1
        if not FIRST_YEAR <= year <= latest:
            self.problems.append(
                error(node.location, f"{label}“{text}”不在 {FIRST_YEAR}—{latest} 年之间",
                      f"《政府信息公开条例》自 {FIRST_YEAR} 年施行，年报年度应在此之后，请核对")
            )
            return None
        if fact.since and year < fact.since:
            self.problems.append(
                error(node.location, f"{label}“{text}”早于 {fact.since} 年：模板「{self.spec.name}」是 {fact.since} 年起的格式",
                      f"{fact.since} 年以前的年报用的是旧格式，本工具的模板不适用；请用当年的旧格式另行编写，"
                      "或核对年度是否填错")
            )
            return None
        return text

    def _derive_facts(self, where: Location) -> None:
        derive_facts(self.report.facts, self.spec)

    # --- text parts ------------------------------------------------------------------------------------

    def _missing_part(self, part: Part, where: Location) -> None:
        if part.required and part.key not in self.suggested:
            self.problems.append(error(where, f"缺少第{part.key[0]}部分「{part.key}」", "补充这一部分的内容"))

    def _paragraphs(self, node: Node, label: str) -> list[Paragraph] | None:
        """A text block: one paragraph per line (blank lines ignored); also a list of lines."""
        if node.kind == "seq":
            result: list[Paragraph] = []
            for child in node.children:
                sub = self._paragraphs(child, label)
                if sub is None:
                    return None
                result.extend(sub)
            return result
        if node.kind != "scalar":
            self.problems.append(
                error(node.location, f"{label}应为文字，实际是{node.describe()}",
                      "多段文字用“|”开头、每段一行；文字以 { 或 [ 开头时请用引号括起来")
            )
            return None
        if node.is_empty():
            return []
        first_line = node.line + (1 if node.style in ("|", ">") else 0)
        paragraphs = []
        for offset, line in enumerate(clean_text(node.text).split("\n")):
            text = line.strip()
            if text:
                paragraphs.append(Paragraph(text, Location(node.location.file, first_line + offset)))
        return paragraphs

    def _part(self, part: Part, key: Node, node: Node) -> None:
        label = f"「{part.key}」"
        if part.kind == "paragraphs":
            paragraphs = self._paragraphs(node, label)
            if paragraphs is not None:
                self.report.paragraphs[part.context] = paragraphs
                if not paragraphs and part.required:
                    self.problems.append(error(node.location, f"{label}是空的", "请填写这一部分的内容"))
            return
        if node.kind != "map":
            self.problems.append(
                error(node.location, f"{label}下应为各小节（“小标题: 内容”），实际是{node.describe()}",
                      "参照 data/ 下的示例文件分小节填写")
            )
            return
        if part.kind == "sections":
            self._sections(part, node)
        else:
            self._subparts(part, node)

    def _sections(self, part: Part, node: Node) -> None:
        by_key = {normalize_label(s.key): s for s in part.sections}
        by_short = {strip_enumeration(s.key): s for s in part.sections}
        found = set()
        for k, v in node.items:
            folded = normalize_label(k.text)
            section = by_key.get(folded) or by_short.get(folded)
            if section is None:
                self._unknown_key(k, [s.key for s in part.sections], f"「{part.key}」中")
                continue
            found.add(section.key)
            paragraphs = self._paragraphs(v, f"「{section.key}」")
            if paragraphs is not None:
                self.report.paragraphs[section.context] = paragraphs
                if not paragraphs:
                    self.problems.append(error(v.location, f"「{part.key}」的「{section.key}」是空的", "请填写"))
        for section in part.sections:
            if section.key not in found:
                self.problems.append(
                    error(node.location, f"「{part.key}」缺少「{section.key}」", "补充这一小节的内容")
                )

    def _subparts(self, part: Part, node: Node) -> None:
        subparts: list[SubPart] = []
        for k, v in node.items:
            folded = normalize_label(k.text)
            if part.intro and folded == normalize_label(part.intro):
                paragraphs = self._paragraphs(v, f"「{part.key}」的「{part.intro}」")
                if paragraphs is not None:
                    self.report.paragraphs[part.context] = paragraphs
                continue
            if _SUBHEAD_START.match(folded):
                paragraphs = self._paragraphs(v, f"「{k.text}」")
                if paragraphs is None:
                    continue
                if not paragraphs:
                    self.problems.append(error(v.location, f"「{part.key}」的「{k.text}」是空的", "请填写"))
                title = clean_text(k.text).strip()
                subparts.append(SubPart(full_width_enumeration(title), k.location, paragraphs))
                continue
            self.problems.append(
                error(
                    k.location,
                    f"「{part.key}」中不认识「{k.text}」",
                    f"小标题要以（一）（二）…开头，如“（一）主动公开政府信息情况”；开头的概述写在「{part.intro}」下",
                )
            )
        self.report.paragraphs.setdefault(part.context, [])
        self.report.subparts[part.context] = subparts

    # --- tables ----------------------------------------------------------------------------------------

    def _table(self, table: Table, node: Node | None) -> None:
        """Fill every cell of `table`: given values, 0 for left-out cells, None for left-out totals."""
        layout = _layout(self.spec, table)
        cells = self.report.cells
        cells.update(zip(layout.default_keys, map(Cell, layout.default_values), strict=True))  # in order
        if node is None or node.is_empty():
            return
        if node.kind == "scalar" and normalize_label(node.text) == ABSENT_TABLE:
            # The source had no such table (check says so once and skips the rules that need it).
            self.report.absent_tables.add(table.id)
            return
        if node.kind != "map":
            self.problems.append(
                error(node.location, f"「{table.key}」下应为表格各行（“行名: 数值”），实际是{node.describe()}",
                      "参照 data/ 下的示例文件填写")
            )
            return
        self._table_level(table, layout, node, layout.top, [])

    def _table_level(self, table: Table, layout: _TableLayout, node: Node, level: _Level, path: list[str]) -> None:
        tree = level.tree
        labels, shorts = level.labels, level.shorts
        row_locations, counting_keys, cells = self.report.row_locations, layout.counting_keys, self.report.cells
        for k, v in node.items:
            folded = normalize_label(k.text)
            found = labels.get(folded)
            if found is None:
                found = shorts.get(folded)
            if found is None:
                where = f"{table.id}「{' '.join(path)}」中" if path else f"{table.id}中"
                self._unknown_key(k, list(tree), where)
                continue
            label = found
            entry = tree[label]
            if isinstance(entry, Row):
                row_id = entry.id
                row_locations[(table.id, row_id)] = k.location
                counts = v.counts  # None unless a list (never empty) of plain counts
                keys = counting_keys.get(row_id)  # None unless a row of counts only
                if counts is not None and keys is not None and len(counts) == len(keys):
                    # The usual row: a list of plain counts (values.PLAIN_COUNT) on one line (source._quick),
                    # one for each column, read from the texts as _row's list loop reads their nodes. Each
                    # cell was made by _table with its default: filled in, not made again.
                    location = v.location
                    for key, text in zip(keys, counts, strict=False):  # of the same length: just compared
                        cell = cells[key]
                        cell.value = int(text)
                        cell.location = location
                    continue
                self._row(entry, v, layout.by_label[row_id], layout.row_cells[row_id])
            else:
                assert isinstance(entry, dict)
                if v.is_empty():
                    continue
                if v.kind != "map":
                    self.problems.append(
                        error(v.location, f"{table.id}「{label}」下应为各分项（“分项名: 数值”），实际是{v.describe()}",
                              "按官方表格逐项填写，参照 data/ 下的示例文件")
                    )
                    continue
                self._table_level(table, layout, v, layout.levels[id(entry)], [*path, label])

    def _row(self, row: Row, node: Node, by_label: dict[str, Column],
             row_cells: tuple[tuple[Column, tuple[str, str, str], bool], ...]) -> None:
        """A row: a mapping column → value, a list of values in column order, or one value for one column.
        (The usual row, a list of plain counts on one line, is read by _table_level itself.)"""
        columns = row.columns
        subject = f"{row.table}「{row.display}」" if node.kind != "seq" else ""  # a list: only on a mistake
        if node.is_empty():
            self.problems.append(
                error(node.location, f"{subject}是空的", "没有数据的栏目请填 0，或删去这一行（未写的栏目按 0 计）")
            )
            return
        if node.kind == "scalar":
            if len(columns) != 1:
                self.problems.append(
                    error(node.location, f"{subject}有 {len(columns)} 栏，只写了一个数",
                          f"写成列表 [{', '.join('0' for _ in columns)}] 或逐栏“栏目: 数值”，栏目依次为："
                          + "、".join(c.label for c in columns))
                )
                return
            self._cell(row, columns[0], node)
            return
        if node.kind == "seq":
            values = node.children
            required = columns if len(values) == len(columns) else [c for c in columns if not c.computed]
            if len(values) != len(required):
                subject = f"{row.table}「{row.display}」"
                expected = (f"{len(columns)} 个（{'、'.join(c.label for c in columns)}）"
                            if len(required) == len(columns)
                            else f"{len(columns)} 个（含总计）或 {len(required)} 个（不含总计）")
                self.problems.append(
                    error(node.location, f"{subject}应有 {expected}数，实际写了 {len(values)} 个",
                          "按表格栏目顺序填写，没有数据的栏目填 0")
                )
                return
            cells = self.report.cells
            for (column, key, counted), value in zip(row_cells, values, strict=False):
                if counted and value.kind == "scalar":
                    # The usual cell, as in _cell (inlined: this runs for nearly every cell of a district).
                    text = value.text  # a plain scalar has no spaces around it: strip only when it must
                    if is_plain_count(text):
                        cell = cells[key]  # made by _table with its default: filled in, not made again
                        cell.value = int(text)
                        cell.location = value.location
                        continue
                    text = text.strip()
                    if is_plain_count(text):
                        cells[key] = Cell(int(text), value.location)
                        continue
                self._cell(row, column, value)
            return
        for k, v in node.items:
            matched = by_label.get(normalize_label(k.text))
            if matched is None:
                self._unknown_key(k, [c.label for c in columns], f"{subject}中")
                continue
            self._cell(row, matched, v)

    def _cell(self, row: Row, column: Column, node: Node) -> None:
        key = (row.table, row.id, column.id)
        text = node.text.strip() if node.kind == "scalar" else ""
        if column.kind == "count" and is_plain_count(text):
            # The usual cell: a plain count (values.is_plain_count), which number_problem accepts as it is.
            self.report.cells[key] = Cell(int(text), node.location)
            return
        subject = f"{row.table}「{row.display}」行「{column.label}」栏"
        if node.kind == "scalar" and node.text.strip() == PLACEHOLDER:
            # A number the import could not read: a to-do (once a row); rules around it are not checked.
            self.report.invalid_cells.add((row.table, row.id, column.id))
            self.report.pending_cells.add((row.table, row.id, column.id))
            if (row.table, row.id) not in self.pending_rows:
                self.pending_rows.add((row.table, row.id))
                self.problems.append(
                    warning(node.location, f"{row.table}「{row.display}」行待补：有导入时没有读出的数（写作“{PLACEHOLDER}”）",
                            f"对照原报告填写这些数，写好后删去“{PLACEHOLDER}”；有待补的数时不能生成报告", PENDING_RULE,
                            kind=Kind.PENDING)
                )
            return
        if node.kind != "scalar":
            value: Number | None = None
            problem: Problem | None = error(node.location, f"{subject}应为一个数，实际是{node.describe()}",
                                            "填写一个数字，如 0")
        else:
            # When the text is wrong but the intended number is certain (１２, 12件, 1,234), the balance
            # rules use it, so every other mistake shows in the same round (the problem is reported).
            value, problem = read_cell("" if node.is_empty() else node.text, node.location, subject, column.kind)
        if problem is not None:
            self.problems.append(problem)
        if value is not None:
            self.report.cells[key] = Cell(value, node.location)
        else:
            self.report.invalid_cells.add(key)


def _ascii_digits(text: str) -> str | None:
    """`text` with full-width digits and punctuation folded (NFKC); None when it holds a digit of another
    script (٢٠٢٤, ２ is fine) that is not 0-9 even after folding."""
    folded = unicodedata.normalize("NFKC", text)
    if any(c.isdigit() and c not in "0123456789" for c in folded):
        return None
    return folded


def _zero(column: Column) -> int | Decimal:
    return Decimal(0) if column.kind == "amount" else 0


class _Level:
    """One level of a table's row tree with its lookups: folded label (or row alias) → label, and the label
    without its enumeration (`不予公开` for `（三）不予公开`) → label when only one label has it."""

    __slots__ = ("tree", "labels", "shorts")

    def __init__(self, tree: dict[str, object]) -> None:
        self.tree = tree
        self.labels = {normalize_label(label): label for label in tree}
        shorts: dict[str, list[str]] = {}
        for label in tree:
            shorts.setdefault(strip_enumeration(label), []).append(label)
            entry = tree[label]
            if isinstance(entry, Row):
                for alias in entry.aliases:
                    self.labels[normalize_label(alias)] = label
        self.shorts = {short: labels[0] for short, labels in shorts.items() if len(labels) == 1}


class _TableLayout:
    """What reading a table needs from the template, made once per template table, not once per office:
    each cell's default (0, or None for a total left to compute), the row tree with its label lookups, and
    each row's columns by folded label or id."""

    __slots__ = ("table", "default_keys", "default_values", "top", "levels", "by_label", "row_cells", "counting_keys")

    def __init__(self, table: Table) -> None:
        self.table = table
        self.default_keys: list[tuple[str, str, str]] = []
        self.default_values: list[int | Decimal | None] = []
        for row in table.rows:
            for column in row.columns:
                self.default_keys.append((table.id, row.id, column.id))
                self.default_values.append(None if column.computed or row.computed else _zero(column))
        tree = _row_tree(table)
        self.top = _Level(tree)
        self.levels: dict[int, _Level] = {}  # id of a subtree (kept alive by `top`) → its level
        pending = [tree]
        while pending:
            for entry in pending.pop().values():
                if isinstance(entry, dict):
                    self.levels[id(entry)] = _Level(entry)
                    pending.append(entry)
        self.by_label: dict[str, dict[str, Column]] = {}
        for row in table.rows:
            by_label: dict[str, Column] = {}
            for column in row.columns:
                by_label[normalize_label(column.label)] = column
                by_label.setdefault(normalize_label(column.id), column)
            self.by_label[row.id] = by_label
        # Each row's cells in column order: (column, cell key, whether it holds a count), for _row's list.
        self.row_cells: dict[str, tuple[tuple[Column, tuple[str, str, str], bool], ...]] = {
            row.id: tuple((column, (table.id, row.id, column.id), column.kind == "count") for column in row.columns)
            for row in table.rows
        }
        # The cell keys, in column order, of each row holding counts only (the usual row: see _table_level).
        self.counting_keys: dict[str, tuple[tuple[str, str, str], ...]] = {
            row.id: tuple((table.id, row.id, column.id) for column in row.columns)
            for row in table.rows if all(c.kind == "count" for c in row.columns)
        }


class _WalkPlan:
    """What walking a data file needs from the template besides its tables (_TableLayout), made once per
    template, not once per office (kept on the spec: Spec.walk): the top-level keys, the facts and the
    outdated terms, each by folded label. `made_of` is what it was made from (the spec's parts, tables,
    facts and rules), compared with the spec's own, object by object, before it is used."""

    __slots__ = ("made_of", "handlers", "official", "facts", "outdated")

    def __init__(self, spec: Spec) -> None:
        self.made_of = (tuple(spec.parts), tuple(spec.tables), tuple(spec.facts), tuple(spec.rules))
        self.handlers: dict[str, tuple[str, object]] = {normalize_label(TEMPLATE_KEY): (TEMPLATE_KEY, None)}
        self.handlers[normalize_label(FACTS_KEY)] = (FACTS_KEY, None)
        for part in spec.parts:
            self.handlers[normalize_label(part.key)] = (part.key, part)
        for table in spec.tables:
            self.handlers[normalize_label(table.key)] = (table.key, table)
        self.official = [k for k, _ in self.handlers.values()]
        self.facts = {normalize_label(f.key): f for f in spec.facts}
        self.outdated = {normalize_label(t["term"]): t for t in spec.outdated_terms()}


def _walk_plan(spec: Spec) -> _WalkPlan:
    """The spec's walk plan, made on first use and made again when the spec's parts, tables, facts or rules
    are not the very objects it was made of (a spec is assumed not to be changed in place otherwise)."""
    plan = spec.walk
    now: tuple[Sequence[object], ...] = (spec.parts, spec.tables, spec.facts, spec.rules)
    if not isinstance(plan, _WalkPlan) or not all(map(_same_objects, plan.made_of, now)):
        plan = spec.walk = _WalkPlan(spec)
    return plan


def _same_objects(kept: Sequence[object], now: Sequence[object]) -> bool:
    """Whether the list holds the very objects kept (an equal table is not the same: its layout differs)."""
    return len(kept) == len(now) and all(map(operator.is_, kept, now))


def _layout(spec: Spec, table: Table) -> _TableLayout:
    """The table's layout, made on first use and kept on the spec (a template is read once per process);
    checked against the table itself, so a table replaced on the spec gets a layout of its own."""
    layout = spec.layouts.get(table.id)
    if not isinstance(layout, _TableLayout) or layout.table is not table:
        layout = spec.layouts[table.id] = _TableLayout(table)
    return layout


def _row_tree(table: Table) -> dict[str, object]:
    """The table's rows as a tree of official labels: label → Row, or label → subtree."""
    tree: dict[str, object] = {}
    for row in table.rows:
        level = tree
        for label in row.path[:-1]:
            child = level.setdefault(label, {})
            assert isinstance(child, dict)
            level = child
        level[row.path[-1]] = row
    return tree
