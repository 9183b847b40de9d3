"""After a district build: what the district office reviews. For the offices of a run this gathers their
data again (the pool hands back only small outcomes), last year's data where the previous year's folder
has it, same-text repeats across offices and years, and the roll-up. review_page.py writes it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .batch import OfficeOutcome, Status, summary_figures
from .district import defaults_for, previous_year_path
from .errors import NianbaoError
from .load import load_report
from .model import Number, ReportData
from .problems import Problem
from .rollup import sum_reports
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
            office.last_year_file = f"{previous.parent.name}/{previous.name}"
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
