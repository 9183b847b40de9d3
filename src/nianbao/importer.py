"""Import stage: a published report (.docx, or plain text with `|` tables) → a data file that builds it again.

The numbers of all three tables and the text of every part and sub-part are taken over; facts come from
the title and the opening paragraph. When the opening is the template's standard wording for those facts,
it is left out (the template writes it); otherwise it is kept as 开头说明. Whatever cannot be placed is
reported. The file is written atomically and an existing file is only replaced with `force`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from .district import defaults_for
from .docx_reader import ParagraphBlock, read_docx_blocks
from .errors import FileTrouble
from .guard import ensure_absent
from .model import Paragraph, ReportData
from .pipeline import check_file
from .problems import Location, Problem, warning
from .render import build_context, compiled_template
from .report_reader import read_generated_report
from .schema import modeline
from .source import SharedNames, command_name, display_name
from .spec import ABSENT_TABLE, PLACEHOLDER, normalize_label
from .write import write_atomic, write_schema_beside
from .yaml_writer import report_to_yaml


@dataclass
class ImportResult:
    """What an import read and wrote. `problems`: what could not be read or placed; `data_problems`: what
    `check` finds in the written data file."""

    source: str
    target: Path
    report: ReportData
    problems: list[Problem] = field(default_factory=list)
    data_problems: list[Problem] = field(default_factory=list)

    def scoreboard(self) -> str:
        """One line: numbers read of all table cells, facts and parts found, lines that could not be placed."""
        report = self.report
        cells = [k for k in report.cells if k[0] in {t.id for t in report.spec.tables}]
        read = sum(k not in report.invalid_cells and k[0] not in report.absent_tables for k in cells)
        facts = [f.key for f in report.spec.facts if f.required]
        missing = [f for f in facts if f not in report.facts]
        parts = [p.key for p in report.spec.parts if p.key[:1] in "一二三四五六七八九十"]
        parts += [t.key for t in report.spec.tables]
        found = sum(1 for key in parts if key in report.part_locations or _table_found(report, key))
        unplaced = sum(1 for p in self.problems if p.left_out)
        line = (f"导入记分：表格数字读出 {read}/{len(cells)}，基本信息找到 {len(facts) - len(missing)}/{len(facts)}"
                f"，部分找到 {found}/{len(parts)}，无法放入的文字或表格行 {unplaced} 处")
        return line + (f"（待补：{'、'.join(missing)}）" if missing else "")


def import_report(
    source: Path | str, target: Path | str, force: bool = False, template: Path | str | None = None
) -> ImportResult:
    """Read `source` and write its data to `target`. Raises FileTrouble when `target` exists (without force)."""
    source, target = Path(source), Path(target)
    ensure_absent(target, force=force)
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise FileTrouble(f"输出文件 {display_name(target)} 应以 .yaml 结尾")
    # A report nianbao built from a template of its own is read with that template's wording.
    read = read_generated_report(source, template=template)
    template = read.template
    report = read.report
    problems = list(read.problems)
    where = read.opening[0].location if read.opening else Location(report.source)
    missing_facts = [f for f in report.spec.facts if f.required and f.key not in report.facts]
    for fact in missing_facts:
        problems.append(
            warning(where, f"没有从报告中读出「{fact.key}」，数据文件中写作“{PLACEHOLDER}”",
                    f"在数据文件的「基本信息」中补填「{fact.key}」" + (f"（{fact.hint}）" if fact.hint else ""))
        )
    _mark_missing_text(report)
    if read.opening and _is_standard_opening(report):
        report.paragraphs["开头说明"] = []
    row_notes = {
        (table, row): f"导入时这一行有无法读取的数，写作“{PLACEHOLDER}”：请对照原报告填写"
        for table, row, _ in sorted(report.invalid_cells)
    }
    source_name = SharedNames(target.parent).name(source)  # the data file may be shared: no folder outside
    header = [
        f"{report.facts.get('标题', source_name)}的数据，由 nianbao import 从 {source_name} 导入。",
        f"运行 nianbao build {command_name(target)} 生成 Word 报告。",
        "表格中没写的栏目按 0 计；“总计”一栏和（七）总计可以不写，由工具自动计算并核对。",
        f"“{PLACEHOLDER}”是原报告中没有读出的内容，“{ABSENT_TABLE}”是原报告中没有的表格：补填后删去（nianbao check 会列出）。",
    ]
    written = replace(report, facts={**report.facts, **{f.key: PLACEHOLDER for f in missing_facts}})
    partial = bool(defaults_for(target))  # the district's shared file completes the facts
    write_schema_beside(report.spec, target, partial)
    text = report_to_yaml(written, header=header, row_notes=row_notes, schema=modeline(report.spec, partial))
    write_atomic(target, text.encode("utf-8"))
    result = ImportResult(report.source, target, report, problems)
    # The same verdict as `nianbao check` on the written file (district defaults, last year's data).
    result.data_problems = check_file(target, template=template).problems
    return result


def _mark_missing_text(report: ReportData) -> None:
    """A required part or section the source did not have gets the visible placeholder 【待补】, which
    `check` reports once as a to-do (rule 待补) instead of an "empty part" error."""
    where = Location(report.source)
    for part in report.spec.parts:
        if not part.required or part.key == "开头说明":
            continue
        contexts = [s.context for s in part.sections] if part.kind == "sections" else \
            [part.context] if part.kind == "paragraphs" else []
        for context in contexts:
            if not report.paragraphs.get(context):
                report.paragraphs[context] = [Paragraph(PLACEHOLDER, report.part_locations.get(part.key, where))]


def _table_found(report: ReportData, key: str) -> bool:
    table = next((t for t in report.spec.tables if t.key == key), None)
    return table is not None and table.id not in report.absent_tables and \
        any(k[0] == table.id and k not in report.invalid_cells for k in report.cells)


def _is_standard_opening(report: ReportData) -> bool:
    """True when the opening reads exactly as the template's default opening for these facts."""
    probe = replace(report, paragraphs={**report.paragraphs, "开头说明": []})
    template = compiled_template(report.spec.docx)
    data = template.render(build_context(probe))
    blocks = [b for b in read_docx_blocks(Path("default.docx"), "default", data).blocks if isinstance(b, ParagraphBlock)]
    if len(blocks) < 2:
        return False
    written = normalize_label("".join(p.text for p in report.paragraphs.get("开头说明", [])))
    return written == normalize_label(blocks[1].text)
