"""Check a Word report itself: read its tables and parts, run the rules, and — for a report nianbao built —
list what was changed after generation, by re-rendering its data in memory and comparing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .check import check_report
from .district import previous_report, previous_year_path
from .load import load_report
from .model import Paragraph, ReportData
from .pipeline import CheckResult, check_file
from .problems import Kind, Location, Problem, has_errors, warning
from .source import display_name, read_bytes
from .values import shorten
from .wordml import MAX_DOCX_BYTES

if TYPE_CHECKING:
    from .provenance import Provenance
    from .report_reader import ReadReport

# The Word reading (python-docx, lxml), the fingerprints (provenance) and the renderer are imported where a
# .docx is read: `check_any` on a data file (`nianbao check data.yaml`) does not pay for them at start-up.

CHANGE_RULE = "生成后修改"


def check_document(
    path: Path | str, template: Path | str | None = None, previous: Path | str | None = None,
    data: Path | str | None = None,
) -> CheckResult:
    """Check a .docx report: reading problems, changes since generation, then every rule of rules.yaml.

    The data file it was built from is found from the report's folder as recorded; `data` names it instead.
    """
    from .report_reader import read_generated_report

    path = Path(path)
    read = read_generated_report(path, data=_read_bytes(path), template=template, data_file=data, finished=True)
    report = read.report
    explicit = previous if previous is not None else _previous_from_provenance(read.provenance, path.parent, data)
    last_year = previous_report(report, explicit)
    changes = changes_since_generation(read, data, read.template)
    problems = list(_fold_into_template_change(read, changes))
    problems.extend(changes)
    problems.extend(check_report(report, last_year))
    return CheckResult(path, report, problems)


def _fold_into_template_change(read: ReadReport, changes: list[Problem]) -> list[Problem]:
    """When the template changed since generation, text above the title that the template no longer has
    is the old template's (a letterhead): said once, in the template-change warning, not as stray text."""
    at = next((i for i, p in enumerate(changes) if p.kind is Kind.TEMPLATE_CHANGED), None)
    if at is None:
        return read.problems
    stray = [p for p in read.problems if p.kind is Kind.BEFORE_TITLE]
    if stray:
        texts = "、".join(f"“{text}”" for text in read.before_title)
        changes[at] = replace(changes[at], message=changes[at].message + f"；标题之前的{texts}是原模板的文字")
    return [p for p in read.problems if p not in stray]


def _read_bytes(path: Path) -> bytes:
    return read_bytes(path, display_name(path), what="Word 文档", limit=MAX_DOCX_BYTES)


def _data_files(provenance: Provenance, report_dir: Path, data: Path | str | None) -> list[Path]:
    """The data files a report was built from: as recorded relative to its folder, or `data` (the office's
    file, its defaults then looked for beside it when they are not where the record says)."""
    sources = provenance.source_paths(report_dir)
    if data is None:
        return sources
    office = Path(data)
    shared = [s if s.is_file() else office.parent / s.name for s in sources[:-1]]
    return [*shared, office]


def _previous_from_provenance(
    provenance: Provenance | None, report_dir: Path, data: Path | str | None
) -> Path | None:
    """Last year's data of a generated report: beside its office data file, in the previous year's folder."""
    if provenance is None or not provenance.sources:
        return None
    office = _data_files(provenance, report_dir, data)[-1]
    candidate = previous_year_path(office, office.parent.name)
    return candidate if candidate is not None and candidate.is_file() else None


def changes_since_generation(
    read: ReadReport, data: Path | str | None = None, template: Path | str | None = None
) -> list[Problem]:
    """What differs between the document (read by report_reader.read_generated_report, which gives its
    record) and what nianbao would build from the data it was built from."""
    from .provenance import sha256_files
    from .render import compiled_template, render_report
    from .report_reader import read_report

    provenance = read.provenance
    if provenance is None or not provenance.sources:
        return []
    doc = Location(read.report.source)
    sources = _data_files(provenance, read.report.path.parent, data)
    missing = [s for s in sources if not s.is_file()]
    if missing:
        recorded = provenance.sources[sources.index(missing[0])]
        return [warning(doc, f"找不到生成这份报告所用的数据文件 {missing[0].name}"
                             f"（记录的位置是相对报告所在文件夹的 {recorded}），无法列出生成后的修改",
                        "数据文件夹和报告文件夹要一起移动；或者用 --data 数据文件 指出这份报告的数据文件")]
    problems: list[Problem] = []
    office = display_name(sources[-1])
    if sha256_files(sources) != provenance.data_hash:
        problems.append(warning(doc, f"数据文件 {office} 在生成这份报告之后改动过，下面按现在的数据文件列出不同之处",
                                "用 nianbao build 重新生成报告，或把报告中的修改同步到数据文件", CHANGE_RULE))
    original, load_problems = load_report(sources[-1], defaults=sources[:-1], template=template)
    if original is None or has_errors(load_problems):
        problems.append(warning(doc, f"数据文件 {office} 现在有错误，无法和报告比较", f"运行 nianbao check {office} 查看"))
        return problems
    if provenance.template_hash and provenance.template_hash != compiled_template(original.spec.docx).hash:
        problems.append(warning(
            doc, f"生成这份报告之后模板「{original.spec.folder.name}」更新过，固定文字的不同可能来自模板",
            f"用 nianbao build 按现在的模板（{original.spec.docx.name}）重新生成报告", CHANGE_RULE, Kind.TEMPLATE_CHANGED))
    rebuilt = read_report(read.report.path, data=render_report(original), display=read.report.source)
    problems.extend(_cell_changes(read.report, original))
    problems.extend(_label_changes(read, rebuilt))
    problems.extend(_paragraph_changes(read, rebuilt, original))
    return problems


def _cell_changes(document: ReportData, original: ReportData) -> list[Problem]:
    from .report_reader import cell_subject

    problems = []
    for table in document.spec.tables:
        for row in table.rows:
            for column in row.columns:
                key = (table.id, row.id, column.id)
                if key in document.invalid_cells or key not in original.cells:
                    continue
                now, was = document.value(*key), original.value(*key)
                if now == was:
                    continue
                source = original.cells[key].location
                where = f"数据文件 {source} 中是 {was}" if source else f"数据文件中这一栏没有填写（按 {was} 计）"
                problems.append(warning(
                    document.cells[key].location or document.where(table.id, row.id),
                    f"生成后改动过：{cell_subject(table, row, column)}由 {was} 改为 {now}",
                    f"{where}；如果这是有意的修改，请同样修改数据文件，否则下次生成时会改回去", CHANGE_RULE,
                ))
    return problems


def _label_changes(document: ReadReport, rebuilt: ReadReport) -> list[Problem]:
    problems = []
    for (table, row), label in rebuilt.row_labels.items():
        now = document.row_labels.get((table, row))
        if now is not None and now != label:
            problems.append(warning(
                document.report.where(table, row), f"生成后改动过：{table}的行名「{label}」改为「{now}」",
                f"恢复官方行名「{label}」", CHANGE_RULE,
            ))
    return problems


def _flat(read: ReadReport) -> list[Paragraph]:
    result: list[Paragraph] = []
    title = read.report.facts.get("标题")
    if title:
        result.append(Paragraph(title, read.report.fact_locations.get("标题", Location(read.report.source))))
    subparts = {f"{p.key}{s.title}": s for p in read.report.spec.parts for s in read.report.subparts.get(p.context, [])}
    for name, paragraphs in read.report.text_blocks():
        if name in subparts:
            result.append(Paragraph(subparts[name].title, subparts[name].location))
        result.extend(paragraphs)
    return result


def _paragraph_changes(document: ReadReport, rebuilt: ReadReport, original: ReportData) -> list[Problem]:
    now, was = _flat(document), _flat(rebuilt)
    data_lines = {p.text: p.location for ps in original.paragraphs.values() for p in ps}
    data_lines.update({p.text: p.location for subs in original.subparts.values() for s in subs for p in s.paragraphs})
    problems = []
    import difflib  # only here: not loaded at start-up
    matcher = difflib.SequenceMatcher(None, [p.text for p in was], [p.text for p in now], autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        old, new = was[a1:a2], now[b1:b2]
        for index in range(max(len(old), len(new))):
            before = old[index] if index < len(old) else None
            after = new[index] if index < len(new) else None
            hint = "如果这是有意的修改，请同样修改数据文件，否则下次生成时会改回去"
            if before is not None and before.text in data_lines:
                hint = f"数据文件 {data_lines[before.text]} 中是原来的文字；" + hint
            if before is not None and after is not None:
                was_text, now_text = _difference(before.text, after.text)
                message = f"生成后改动过这一段：原为“{was_text}”，现为“{now_text}”"
                location = after.location
            elif before is not None:
                message = f"生成后删除了这一段：“{shorten(before.text, 40)}”"
                location = before.location
            else:
                assert after is not None
                message = f"生成后新增了这一段：“{shorten(after.text, 40)}”"
                location = after.location
            problems.append(warning(location, message, hint, CHANGE_RULE))
    return problems


def _difference(before: str, after: str, context: int = 8) -> tuple[str, str]:
    """The changed stretch of two texts, with a few characters around it."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    lo = max(0, start - context)
    prefix = "…" if lo else ""
    b_hi, a_hi = len(before) - end + context, len(after) - end + context
    return (prefix + before[lo:b_hi] + ("…" if b_hi < len(before) else ""),
            prefix + after[lo:a_hi] + ("…" if a_hi < len(after) else ""))


def check_any(
    path: Path | str,
    defaults: Sequence[Path | str] | None = None,
    template: Path | str | None = None,
    previous: Path | str | None = None,
    data: Path | str | None = None,
) -> CheckResult:
    """A .docx report is read and checked as a document; anything else as a data file (`check_file`).

    `data` is the data file a .docx was built from, when it is not where the report records it."""
    if Path(path).suffix.lower() == ".docx":
        return check_document(path, template=template, previous=previous, data=data)
    return check_file(path, defaults=defaults, template=template, previous=previous)
