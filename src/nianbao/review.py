"""After a district build: what the district office reviews. For the offices of a run this gathers their
data again (the pool hands back only small outcomes), last year's data where the previous year's folder
has it, same-text repeats across offices and years, and the roll-up; then writes the review page
(`index.html`), the district total sheet of 年报汇总.xlsx and, when asked, the roll-up data file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from .batch import BatchResult, OfficeOutcome, Status, defaults_for, summary_figures
from .check import compute_totals
from .errors import FileTrouble, NianbaoError
from .form_layout import stacked_layout
from .form_writer import write_table
from .load import load_report
from .model import Number, ReportData
from .problems import Problem
from .rollup import sum_reports, with_placeholder_texts
from .same_text import (
    Repeat,
    RepeatGroup,
    SameTextFinder,
    TextPlace,
    group_repeats,
    repeat_problems,
    settings_for,
    text_places,
)
from .source import display_name
from .summary import write_summary_xlsx
from .write import write_atomic
from .yaml_writer import report_to_yaml
from .years import previous_year_path

REVIEW_PAGE = "index.html"
TOTAL_SHEET = "全区合计"
TRUSTED = (Status.BUILT, Status.SKIPPED, Status.PASSED)


@dataclass
class OfficeReview:
    """One office on the review page."""

    outcome: OfficeOutcome
    report: ReportData | None = None  # this year's data (totals computed) when it passed its checks
    last_year: dict[str, Number] | None = None  # last year's summary figures, when last year's file exists
    last_year_file: str = ""
    repeated: int = 0  # paragraphs of this office that repeat another office's or its last year's


@dataclass
class DistrictReview:
    offices: list[OfficeReview]
    figure_labels: list[str]
    total: ReportData | None = None
    included: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    repeats: list[RepeatGroup] = field(default_factory=list)
    new_problems: list[Problem] = field(default_factory=list)  # the same-text warnings added to the outcomes

    @property
    def district(self) -> str:
        reports = [o.report for o in self.offices if o.report is not None]
        return reports[0].facts.get("地区", "") if reports else ""

    @property
    def year(self) -> str:
        years = {o.report.year for o in self.offices if o.report is not None}
        return years.pop() if len(years) == 1 else ""


def _load(path: Path) -> ReportData | None:
    try:
        report, problems = load_report(path, defaults=defaults_for(path))
    except NianbaoError:
        return None
    if report is None or any(p.is_error for p in problems):
        return None
    compute_totals(report)
    return report


def review_district(outcomes: Sequence[OfficeOutcome]) -> DistrictReview:
    """Gather what the review page shows; same-text warnings are added to the outcomes' problems."""
    labels: dict[str, None] = {}
    for outcome in outcomes:
        labels.update(dict.fromkeys(outcome.figures))
    review = DistrictReview([OfficeReview(o) for o in outcomes], list(labels))
    this_year: list[list[TextPlace]] = []
    last_year: dict[int, list[TextPlace]] = {}
    names: set[str] = set()
    settings = None
    for index, office in enumerate(review.offices):
        if office.outcome.status not in TRUSTED:
            continue
        office.report = _load(office.outcome.path)
        if office.report is None:
            continue
        settings = settings or settings_for(office.report.spec)
        names.update(filter(None, [office.report.facts.get("地区"), office.report.office]))
        places = text_places(office.report, settings)
        this_year.append(places)
        previous = previous_year_path(office.outcome.path.resolve(), office.report.year)
        last = _load(previous) if previous is not None and previous.is_file() else None
        if last is not None and previous is not None:
            office.last_year = summary_figures(last)
            office.last_year_file = display_name(previous)
            last_year[index] = text_places(last, settings)
    pairs: list[Repeat] = []
    if settings is not None:
        finder = SameTextFinder(settings, names)
        pairs = finder.across_offices(this_year)
        for index, places in last_year.items():
            office = review.offices[index]
            assert office.report is not None
            pairs += finder.against_last_year(text_places(office.report, settings), places)
    review.repeats = group_repeats(pairs)
    by_office = repeat_problems(review.repeats)
    for office in review.offices:
        name = office.report.office if office.report is not None else ""
        added = by_office.get(name, []) if name else []
        office.repeated = len({p.location for p in added})
        known = set(office.outcome.problems)
        added = [p for p in added if p not in known]
        office.outcome.problems = [*office.outcome.problems, *added]
        review.new_problems += added
    summed = [o.report for o in review.offices if o.report is not None]
    same_template = [r for r in summed if r.spec is summed[0].spec] if summed else []
    if same_template:
        review.total = sum_reports(same_template)
    review.included = [r.office for r in same_template]
    review.excluded = [o.outcome.office for o in review.offices if o.report is None or o.report not in same_template]
    return review


def write_total_sheet(path: Path, total: ReportData, included: Sequence[str]) -> None:
    """Add the district total sheet (tables 二, 三, 四 in the official shape) to the summary workbook."""
    try:
        book = load_workbook(path)
    except (OSError, ValueError, KeyError) as exc:
        raise FileTrouble(f"无法读取刚写出的汇总表：{exc}", display_name(path)) from None
    sheet = book.create_sheet(TOTAL_SHEET, 1)
    layout = stacked_layout(total.spec, TOTAL_SHEET)
    for table in layout.tables:
        write_table(sheet, table, total, editable=False)
    last = layout.tables[-1].last_row + 2
    sheet.cell(last, 1, f"以上为 {len(included)} 个机关（{'、'.join(included)}）的数据之和，有错误的机关不计入。")
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomic(path, buffer.getvalue())


def rollup_text(review: DistrictReview) -> str:
    """The roll-up as a data file: the sums, and 【待改写】 notes where the district writes its own text."""
    assert review.total is not None
    total = with_placeholder_texts(review.total, review.included)
    header = [
        f"{review.district}{review.year}年 {len(review.included)} 个机关的表格数据之和，由 nianbao build --rollup 生成。",
        f"计入：{'、'.join(review.included)}。" + (f"未计入（有错误）：{'、'.join(review.excluded)}。" if review.excluded else ""),
        "请把「基本信息」改为本机关的信息（补上联系机构、地址、邮编、联系电话），按实际情况改写各部分文字并删去“【待改写】”。",
    ]
    return report_to_yaml(total, header=header)


def write_district_outputs(result: BatchResult, out_dir: Path | str, rollup: Path | str | None = None,
                           page: bool = True) -> DistrictReview:
    """After `batch.build_paths`: same-text warnings, the summary workbook with its district total sheet,
    the review page, and (with `rollup`) the roll-up data file. Returns what was gathered."""
    from .review_page import render_review_page

    out = Path(out_dir)
    review = review_district(result.outcomes)
    if result.summary_path is not None:
        write_summary_xlsx(result.outcomes, result.summary_path)
        if review.total is not None:
            write_total_sheet(result.summary_path, review.total, review.included)
    if page:
        write_atomic(out / REVIEW_PAGE, render_review_page(review, out).encode("utf-8"))
    if rollup is not None:
        if review.total is None:
            raise FileTrouble("没有通过检查的机关，无法生成汇总数据文件", display_name(Path(rollup)))
        write_atomic(Path(rollup), rollup_text(review).encode("utf-8"))
    return review
