"""After a district build: what the district office reviews. For the offices of a run this gathers their
table cells and paragraphs (taken by the workers as they built each office, batch.ReviewData; only the
first office's data file is read again here, for its template and the roll-up's shape), last year's data
where the previous year's folder has it, same-text repeats across offices and years, and the roll-up.
review_page.py writes it out.
"""

from __future__ import annotations

import pickle
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .batch import (
    Outcomes,
    OutcomeStore,
    ReviewData,
    ReviewSpill,
    Spilled,
    Status,
    summary_figures,
    template_key,
)
from .district import defaults_for, previous_year_path
from .errors import NianbaoError
from .load import load_report
from .model import Number, ReportData
from .problems import Problem
from .rollup import add_report, add_values, sum_reports
from .same_text import (
    PER_OFFICE,
    Repeat,
    RepeatGroup,
    SameTextFinder,
    TextPlace,
    group_repeats,
    groups_of,
    link_pairs,
    repeat_problems,
    settings_for,
    text_places,
)
from .spec import resolved_path
from .summary import TERMINAL_ROWS, Tally

TRUSTED = (Status.BUILT, Status.SKIPPED, Status.PASSED)


@dataclass(slots=True)
class OfficeReview:
    """One office on the review page, beside its outcome (DistrictReview.outcomes, same order)."""

    name: str = ""  # the office as its data names it; empty when its data did not pass its checks
    last_year: dict[str, Number] | None = None  # last year's summary figures, when last year's file exists
    last_year_file: str = ""
    repeated: int = 0  # paragraphs of this office that repeat another office's or its last year's


@dataclass
class DistrictReview:
    offices: list[OfficeReview]
    figure_labels: list[str]
    outcomes: Outcomes = field(default_factory=list)  # the run's (with the same-text warnings added)
    district: str = ""
    year: str = ""
    total: ReportData | None = None
    included: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    repeats: list[RepeatGroup] = field(default_factory=list)
    added: array[int] = field(default_factory=lambda: array("q"))  # how many warnings each office got here
    tally: Tally | None = None  # the outcomes' summary (with the warnings added here), counted as they are stored

    @property
    def new_problems(self) -> Iterator[Problem]:
        """The same-text warnings added to the outcomes (the last `added[i]` problems of office i), read back
        office by office: not held in memory."""
        for index, count in enumerate(self.added):
            if count:
                yield from self.outcomes[index].problems[-count:]


def _load(path: Path) -> ReportData | None:
    try:
        report, problems = load_report(path, defaults=defaults_for(path))
    except NianbaoError:
        return None
    if report is None or any(p.is_error for p in problems):
        return None
    return report


def review_district(outcomes: Outcomes) -> DistrictReview:
    """Gather what the review page shows; same-text warnings are added to the outcomes' problems.

    Memory stays flat in the number of offices: the offices' data wait in a temporary file (batch.ReviewSpill)
    and are read one office at a time, once for the sums and names, once for the same-text check (which keeps
    only each paragraph's character runs), and once more only for the offices whose paragraphs are reported.
    """
    labels: dict[str, None] = {}  # the figure columns, gathered in the one pass below
    review = DistrictReview([OfficeReview() for _ in range(len(outcomes))], [], outcomes)
    spill = ReviewSpill()  # the paragraphs of offices read here (no data from the workers) and of last year
    this_year: dict[int, Spilled] = {}
    last_year: dict[int, Spilled] = {}
    names: set[str] = set()
    years: set[str] = set()
    settings = None
    spills = {spill}
    try:
        for index, (office, outcome) in enumerate(zip(review.offices, outcomes, strict=True)):
            labels.update(dict.fromkeys(outcome.figures))
            kept = outcome.review
            trusted = outcome.status in TRUSTED
            data = _review_data(kept)
            if isinstance(kept, Spilled) and not isinstance(outcomes, OutcomeStore):
                spills.add(kept.spill)  # the outcomes' own file (an OutcomeStore's) stays open with them
            if trusted and data is not None and review.total is not None:
                # Taken where the office was built: its data file is not read and checked a second time.
                if data.template != template_key(review.total.spec):
                    review.excluded.append(outcome.office)  # another template: its cells do not add up
                    continue
                add_values(review.total, data.values, data.facts)
                office_name, region, year = data.office, data.facts.get("地区"), data.year
                this_year[index] = kept if isinstance(kept, Spilled) else spill.put(data)
            else:
                report = _load(outcome.path) if trusted else None
                if report is None:
                    review.excluded.append(outcome.office)
                    continue
                if review.total is None:
                    review.total = sum_reports([report])
                elif report.spec is not review.total.spec:
                    review.excluded.append(outcome.office)  # another template: its cells do not add up
                    continue
                else:
                    add_report(review.total, report)
                settings = settings or settings_for(report.spec)
                office_name, region, year = report.office, report.facts.get("地区"), report.year
                this_year[index] = spill.put(text_places(report, settings))
            del data
            review.included.append(office_name)
            office.name = office_name
            review.district = review.district or region or ""
            years.add(year)
            names.update(filter(None, [region, office_name]))
            previous = previous_year_path(resolved_path(outcome.path), year)
            last = _load(previous) if previous is not None and previous.is_file() else None
            if last is not None and previous is not None:
                settings = settings or settings_for(last.spec)
                office.last_year = summary_figures(last)
                office.last_year_file = f"{previous.parent.name}/{previous.name}"
                last_year[index] = spill.put(text_places(last, settings))
        review.figure_labels = list(labels)
        review.year = years.pop() if len(years) == 1 else ""
        if settings is not None:
            review.repeats = _repeats(SameTextFinder(settings, names), this_year, last_year)
    finally:
        for each in spills:
            each.close()
    by_office = repeat_problems(review.repeats)
    review.tally = tally = Tally(keep=TERMINAL_ROWS)
    for index, office in enumerate(review.offices):
        outcome = outcomes[index]
        added = by_office.get(office.name, []) if office.name else []
        office.repeated = len({p.location for p in added})
        known = set(outcome.problems)
        added = [p for p in added if p not in known]
        outcome.review = None  # used: not kept
        if added:
            outcome.problems = [*outcome.problems, *added]
            outcomes[index] = outcome
        elif isinstance(outcomes, OutcomeStore):
            outcomes.forget_review(index)  # nothing else changed: not stored again
        review.added.append(len(added))
        tally.add(outcome)
    return review


def _review_data(kept: ReviewData | bytes | Spilled | None) -> ReviewData | None:
    if isinstance(kept, Spilled):
        kept = kept.load()
    if isinstance(kept, bytes):
        kept = pickle.loads(kept)
    assert kept is None or isinstance(kept, ReviewData)
    return kept


def _places(spilled: Spilled) -> list[TextPlace]:
    kept = spilled.load()
    return kept.places if isinstance(kept, ReviewData) else kept


def _repeats(finder: SameTextFinder, this_year: dict[int, Spilled], last_year: dict[int, Spilled]) -> list[RepeatGroup]:
    """The same-text groups: across offices, then each office against its last year. The offices' paragraphs
    are read again one office at a time; only those of the paragraphs reported are kept, and a text held by
    many of them is held once."""
    linked = link_pairs(finder.pairs_across((index, _places(spilled)) for index, spilled in this_year.items()))
    # The paragraphs reported, as sorted keys (8 bytes each): an office's keys are side by side.
    wanted = array("q", sorted(key for keys, _ in linked for key in keys))
    texts: dict[str, str] = {}
    kept: dict[int, TextPlace] = {}
    last: list[Repeat] = []
    position = 0
    for index in sorted({key // PER_OFFICE for key in wanted} | last_year.keys()):
        places = _places(this_year[index])
        while position < len(wanted) and wanted[position] // PER_OFFICE == index:
            number = wanted[position] % PER_OFFICE
            position += 1
            place = places[number]
            kept[index * PER_OFFICE + number] = TextPlace(
                sys.intern(place.office), sys.intern(place.year), sys.intern(place.part), place.location,
                texts.setdefault(place.text, place.text))
        if index in last_year:
            last += finder.against_last_year(places, _places(last_year[index]))
    return [*groups_of(linked, kept.__getitem__), *group_repeats(last)]
