"""The outputs of a district review: the page `index.html`, 年报汇总.xlsx with its district total sheet
(written by summary_xlsx) and the roll-up data file (`build --rollup`). The page is one static file, no
server, no network (inline style and script), so it opens from a shared folder. One row per office (status, figures with last year's beside them, problem
counts, links to its .docx and .pdf), each office's problems with their places, a filter, the same-text
repeats naming both places, and the district roll-up in the shape of tables 二, 三 and 四.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from functools import lru_cache
from html import escape
from pathlib import Path
from urllib.parse import quote

from .batch import BatchResult, OfficeOutcome, Status
from .errors import FileTrouble, NianbaoError
from .form_layout import table_layout
from .model import Number, ReportData
from .problems import Location
from .render import format_number
from .review import DistrictReview, OfficeReview, review_district
from .rollup import with_placeholder_texts
from .same_text import TextPlace
from .source import SharedNames, display_name
from .spec import plain_path, resolved_text
from .summary import status_counts
from .summary_xlsx import TOTAL_SHEET, write_summary_workbook
from .version import __version__
from .write import write_atomic
from .yaml_writer import report_to_yaml

REVIEW_PAGE = "index.html"
__all__ = ["REVIEW_PAGE", "TOTAL_SHEET", "render_review_page", "review_page_chunks", "rollup_text", "write_district_outputs",
           "write_summary_xlsx"]


_STATUS_CLASS = {Status.BUILT: "ok", Status.PASSED: "ok", Status.SKIPPED: "skip", Status.FAILED: "bad"}

_STYLE = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:24px;
color:#222;font-size:14px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-left:4px solid #b22;padding-left:8px}
.meta{color:#666;margin:0 0 12px}
nav{position:sticky;top:0;background:#fff;padding:8px 0;border-bottom:1px solid #ddd;z-index:1}
nav label{margin-right:14px;cursor:pointer}nav input[type=search]{padding:3px 6px;width:14em}
table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #bbb;padding:3px 7px}
th{background:#f0f0f0;font-weight:bold}td.n{text-align:right;font-variant-numeric:tabular-nums}
#offices td,#offices th{white-space:nowrap}
.ok{color:#1a7f1a}.skip{color:#a36b00}.bad{color:#c00;font-weight:bold}
.yoy{color:#777;font-size:12px;display:block}.up{color:#b35c00}.down{color:#1a5fb4}
tr.details td{background:#fafafa;white-space:normal}
ul.problems{margin:4px 0;padding-left:20px}ul.problems li{margin:3px 0}
li.error .sev{color:#c00;font-weight:bold}li.warning .sev{color:#a36b00;font-weight:bold}
.where{font-family:monospace;color:#555}.hint{color:#555;margin-left:1em}
.rollup th,.rollup td{font-size:13px;text-align:center}.rollup td.label{text-align:left}
.excerpt{color:#444;max-width:36em}ul.places{margin:0;padding-left:18px}.none{color:#777}
"""

_SCRIPT = """
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.office'));
  var shown = document.getElementById('shown');
  var search = document.getElementById('search');
  function apply() {
    var mode = document.querySelector('input[name=filter]:checked').value;
    var text = search.value.trim();
    var count = 0;
    rows.forEach(function (row) {
      var errors = Number(row.dataset.errors), warnings = Number(row.dataset.warnings);
      var same = Number(row.dataset.same);
      var keep = mode === 'all' || (mode === 'problems' && errors + warnings > 0) ||
        (mode === 'errors' && errors > 0) || (mode === 'same' && same > 0);
      if (text && row.dataset.name.indexOf(text) < 0) { keep = false; }
      row.hidden = !keep;
      var details = document.getElementById(row.id + '-details');
      if (details) { details.hidden = !keep; }
      if (keep) { count += 1; }
    });
    shown.textContent = '显示 ' + count + ' / ' + rows.length + ' 个机关';
  }
  Array.prototype.forEach.call(document.querySelectorAll('input[name=filter]'), function (input) {
    input.addEventListener('change', apply);
  });
  search.addEventListener('input', apply);
  apply();
})();
"""


def render_review_page(review: DistrictReview, out_dir: Path) -> str:
    return "".join(review_page_chunks(review, out_dir))


def review_page_chunks(review: DistrictReview, out_dir: Path) -> Iterator[str]:
    """The review page in pieces, one office row at a time, so that it is written as it is made: a page of
    thousands of offices is never held whole in memory (nor twice, as text and as its UTF-8 bytes)."""
    title = f"{review.district}{review.year}年政府信息公开工作年度报告 审阅页".strip()
    outcomes = review.outcomes
    head = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">共 {len(outcomes)} 个机关：'
        f"{escape(review.tally.status_text() if review.tally else status_counts(outcomes))}。"
        f"由 nianbao {escape(__version__)} 生成；本页不需要网络，可直接从共享文件夹打开。</p>",
        _nav(),
        '<section id="offices"><h2>各机关</h2>',
    ]
    yield "\n".join(head) + "\n"
    for row in _office_table(review, out_dir):
        yield row + "\n"
    yield "</section>\n"
    # Row by row: a paragraph copied by thousands of offices lists every one of them.
    yield from _same_text(review)
    yield "\n".join([_rollup(review), f"<script>{_SCRIPT}</script>", "</body></html>"]) + "\n"


def _nav() -> str:
    choices = [("all", "全部"), ("problems", "有错误或警告"), ("errors", "有错误"), ("same", "有文字雷同")]
    radios = "".join(
        f'<label><input type="radio" name="filter" value="{value}"{" checked" if value == "all" else ""}> {label}</label>'
        for value, label in choices
    )
    return (f'<nav>筛选：{radios}<input type="search" id="search" placeholder="按机关名称查找"> '
            '<span id="shown"></span></nav>')


def _office_table(review: DistrictReview, out_dir: Path) -> Iterator[str]:
    """The table of offices, line by line (the page joins the lines with newlines)."""
    labels = review.figure_labels
    head = "".join(f"<th>{escape(h)}</th>" for h in ["机关", "状态", *labels, "错误", "警告", "雷同", "报告"])
    yield f"<table><thead><tr>{head}</tr></thead><tbody>"
    folder = resolved_text(out_dir)  # once for the page, not once per link
    names = review.tally.names if review.tally is not None else SharedNames()
    for number, (office, outcome) in enumerate(zip(review.offices, review.outcomes, strict=True), start=1):
        yield _office_row(office, outcome, number, labels, folder, names)
    yield "</tbody></table>"


def _office_row(office: OfficeReview, outcome: OfficeOutcome, number: int, labels: list[str], folder: str,
                names: SharedNames) -> str:
    row_id = f"office-{number}"
    same = office.repeated
    cells = [
        f"<td>{escape(outcome.office)}</td>",
        f'<td class="{_STATUS_CLASS[outcome.status]}">{escape(outcome.status.value)}</td>',
    ]
    for label in labels:
        cells.append(f'<td class="n">{_figure(outcome.figures.get(label), office.last_year, label)}</td>')
    cells += [
        f'<td class="n{" bad" if outcome.errors else ""}">{outcome.errors}</td>',
        f'<td class="n">{outcome.warnings}</td>',
        f'<td class="n{" bad" if same else ""}">{same}</td>',
        f"<td>{_links(outcome.target, folder)}</td>",
    ]
    attributes = (f'class="office" id="{row_id}" data-name="{escape(outcome.office)}" data-errors="{outcome.errors}" '
                  f'data-warnings="{outcome.warnings}" data-same="{same}"')
    html = [f"<tr {attributes}>{''.join(cells)}</tr>"]
    details = _details(office, outcome, names)
    if details:
        span = len(labels) + 6
        html.append(f'<tr class="details" id="{row_id}-details"><td colspan="{span}">{details}</td></tr>')
    return "\n".join(html)


def _figure(value: Number | None, last_year: dict[str, Number] | None, label: str) -> str:
    if value is None:
        return '<span class="none">—</span>'
    text = escape(format_number(value))
    if last_year is not None and label in last_year:
        before = last_year[label]
        change = value - before
        sign = "+" if change > 0 else ""
        cls = "up" if change > 0 else "down" if change < 0 else ""
        text += (f'<span class="yoy {cls}">上年 {escape(format_number(before))}，'
                 f"{sign}{escape(format_number(change))}</span>")
    return text


def _links(target: Path | None, folder: str) -> str:
    """Links to an office's report and its PDF, relative to the page's `folder` (resolved)."""
    if target is None:
        return '<span class="none">未生成</span>'
    # As text, not Path objects: asked for every office of the page.
    report = os.fspath(target)
    if not os.path.exists(report):
        return '<span class="none">未生成</span>'
    links = [f'<a href="{_href(report, folder)}">Word</a>']
    pdf = os.fspath(target.with_suffix(".pdf"))
    if os.path.exists(pdf):
        links.append(f'<a href="{_href(pdf, folder)}">PDF</a>')
    return " ".join(links)


def _href(path: str, folder: str) -> str:
    relative = os.path.relpath(resolved_text(path), folder)
    return escape(quote(relative.replace(os.sep, "/")))


def _details(office: OfficeReview, outcome: OfficeOutcome, names: SharedNames) -> str:
    """An office's problems; a file named in a message or note as the summary workbook names it (the page is
    shared: never a folder outside the run's)."""
    items = []
    if outcome.note:
        items.append(f'<li class="error"><span class="sev">错误</span> {escape(names.text(outcome.note))}</li>')
    for problem in outcome.problems:
        cls = "error" if problem.is_error else "warning"
        hint = f'<div class="hint">修改办法：{escape(names.text(problem.hint))}</div>' if problem.hint else ""
        items.append(f'<li class="{cls}"><span class="where">{escape(_where(problem.location))}</span> '
                     f'<span class="sev">{escape(problem.severity.value)}</span>：'
                     f'{escape(names.text(problem.message))}{hint}</li>')
    extra = ""
    if office.last_year_file:
        extra = f'<p class="meta">上年数据：{escape(office.last_year_file)}</p>'
    if not items:
        return extra
    return (f"<details><summary>{escape(outcome.office)}：{len(items)} 个问题</summary>"
            f'<ul class="problems">{"".join(items)}</ul>{extra}</details>')


def _where(location: Location) -> str:
    """A place as the page shows it: the file's name and line, never a folder path (the page is shared)."""
    shown = _file_shown(location.file)
    return f"{shown}:{location.line}" if location.line else shown


@lru_cache(maxsize=256)
def _file_shown(file: str) -> str:
    """`file` without its folders. An office's problems and paragraphs all name its one data file: it is
    taken apart once, not once per place."""
    path = file.split(" ", 1)[0]
    return plain_path(path).name + file[len(path):]


def _describe(place: TextPlace) -> str:
    return f"{place.office}{place.year}年「{place.part}」（{_where(place.location)}）"


def _same_text(review: DistrictReview) -> Iterator[str]:
    """The same-text section in pieces (joined, the section as one text), a place at a time."""
    head = '<section id="same-text"><h2>文字雷同（与其他单位或与本单位上年）</h2>'
    if not review.repeats:
        yield (head + '<p class="none">没有发现雷同的段落（已除去官方格式中的固定说法、统计数字句式和单位名称）。'
               "</p></section>\n")
        return
    yield head + "<table><thead><tr><th>雷同的段落</th><th>相似度</th><th>摘录</th></tr></thead><tbody>\n"
    for group in review.repeats:
        yield '<tr><td><ul class="places">'
        text = ""
        for number, place in enumerate(group.places):  # read back one at a time
            described = _describe(place)
            if number == 0:
                text = place.text
            elif group.last_year and number == 1:
                described = "本单位上年：" + described
            yield f"<li>{escape(described)}</li>"
        excerpt = text if len(text) <= 60 else text[:60] + "……"
        yield f'</ul></td><td class="n">{group.percent}%</td><td class="excerpt">{escape(excerpt)}</td></tr>\n'
    yield "</tbody></table></section>\n"


def _rollup(review: DistrictReview) -> str:
    head = '<section id="rollup"><h2>全区汇总</h2>'
    if review.total is None:
        return head + '<p class="none">没有通过检查的机关，无法汇总。</p></section>'
    note = f'<p class="meta">以下为 {len(review.included)} 个机关（{escape("、".join(review.included))}）的数据逐格相加'
    if review.excluded:
        note += f"；未计入（有错误或未读入）：{escape('、'.join(review.excluded))}"
    note += "。</p>"
    tables = [_official_table(review.total, table.id) for table in review.total.spec.tables]
    return head + note + "\n".join(tables) + "</section>"


def _official_table(report: ReportData, table_id: str) -> str:
    """One table in the official shape (the same layout as the workbook), values tagged by their cell."""
    layout = table_layout(report.spec, table_id, table_id, top=1)
    grid: dict[tuple[int, int], str] = {}
    covered: set[tuple[int, int]] = set()
    labels = [lb for lb in layout.labels if not lb.text.startswith(("核对", "本行核对"))]
    for label in labels:
        tag = "th" if label.header else 'td class="label"'
        rows, cols = label.span
        grid[(label.row, label.column)] = (f'<{tag} rowspan="{rows}" colspan="{cols}">{escape(label.text)}'
                                           f"</{tag.split()[0]}>")
        covered.update((label.row + r, label.column + c) for r in range(rows) for c in range(cols))
    for item in layout.inputs:
        value = format_number(report.value(*item.key))
        key = "/".join(item.key)
        grid[(item.row, item.column)] = (f'<td class="n" colspan="{item.span}" data-cell="{escape(key)}">'
                                         f"{escape(value)}</td>")
        covered.update((item.row, item.column + c) for c in range(item.span))
    rows_used = sorted({r for r, _ in covered})
    width = max(c for _, c in covered)
    html = [f'<h3>{escape(layout.title)}</h3><table class="rollup" id="rollup-{escape(table_id)}">']
    for row in rows_used:
        cells = [grid[(row, column)] for column in range(1, width + 1) if (row, column) in grid]
        html.append(f"<tr>{''.join(cells)}</tr>")
    html.append("</table>")
    return "\n".join(html)


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


def write_summary_xlsx(outcomes: Sequence[OfficeOutcome], path: Path) -> None:
    """Write the summary spreadsheet of `outcomes` atomically, without the district total sheet."""
    write_summary_workbook(path, outcomes)


def write_district_outputs(result: BatchResult, out_dir: Path | str, rollup: Path | str | None = None,
                           page: bool = True) -> DistrictReview:
    """After `batch.build_paths`: same-text warnings, the summary workbook with its district total sheet,
    the review page, and (with `rollup`) the roll-up data file. Returns what was gathered."""
    out = Path(out_dir)
    review = review_district(result.outcomes)
    result.tally = review.tally  # for the terminal summary: no further pass over the outcomes
    try:
        if result.summary_path is not None and not result.summary_trouble:
            # With the same-text warnings found above, and the district total sheet.
            try:
                write_summary_workbook(result.summary_path, result.outcomes, review.tally, review.total,
                                       review.included)
            except (NianbaoError, OSError) as exc:
                result.summary_failed(exc)
        # A page or roll-up that cannot be written (disk full, a folder in the way) is recorded, not raised:
        # the reports are written, and the caller still prints the summary table before saying why.
        if page:
            try:
                write_atomic(out / REVIEW_PAGE, (chunk.encode("utf-8") for chunk in review_page_chunks(review, out)))
                result.page_written = out / REVIEW_PAGE
            except NianbaoError as exc:
                result.output_troubles.append(exc.format())
        if rollup is not None:
            if review.total is None:
                # Said after the summary table, like any output that could not be written; the exit code stays
                # the one of the offices (3 when their data failed the checks).
                result.output_troubles.append(FileTrouble(
                    "没有通过检查的机关，未生成汇总数据文件；先改正上面各机关的错误，再运行一次",
                    display_name(Path(rollup))).format())
            else:
                try:
                    write_atomic(Path(rollup), rollup_text(review).encode("utf-8"))
                    result.rollup_written = Path(rollup)
                except NianbaoError as exc:
                    result.output_troubles.append(exc.format())
    finally:
        review.close_places()  # the page is written: the places are not read again
    return review
