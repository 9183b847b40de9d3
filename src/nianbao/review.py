"""After a district build: what the district office reviews. For the offices of a run this gathers their
table cells and paragraphs (taken by the workers as they built each office, batch.ReviewData; only the
first office's data file is read again here, for its template and the roll-up's shape), last year's data
where the previous year's folder has it, same-text repeats across offices and years, and the roll-up.
review_page.py writes it out.
"""

from __future__ import annotations

import os
import pickle
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .batch import (
    IndexedSequence,
    Outcomes,
    OutcomeStore,
    ReviewData,
    ReviewSpill,
    Spilled,
    Status,
    summary_figures,
    template_key,
)
from .district import defaults_for, previous_year_text
from .errors import NianbaoError
from .load import load_report
from .model import Number, ReportData
from .problems import Location, Problem
from .rollup import add_report, add_values, sum_reports
from .same_text import (
    LIMIT,
    PER_OFFICE,
    SameTextFinder,
    TextPlace,
    across_message,
    across_warning,
    last_year_warning,
    link_pairs,
    others_named,
    settings_for,
    text_places,
)
from .spec import resolved_text
from .summary import TERMINAL_ROWS, Tally

TRUSTED = (Status.BUILT, Status.SKIPPED, Status.PASSED)


@dataclass(slots=True)
class OfficeReview:
    """One office on the review page, beside its outcome (DistrictReview.outcomes, same order)."""

    name: str = ""  # the office as its data names it; empty when its data did not pass its checks
    last_year: dict[str, Number] | None = None  # last year's summary figures, when last year's file exists
    last_year_file: str = ""
    repeated: int = 0  # paragraphs of this office that repeat another office's or its last year's


class OfficeReviews(IndexedSequence[OfficeReview]):
    """The OfficeReview of each office of a run (by number), kept compactly: the names in UTF-8 in one buffer
    (put in the order of the offices), how many paragraphs each repeats in an array, last year's figures only
    for the offices that have them; not an object and a string per office held from the review to the end
    of the page (issue 14: memory flat in the number of offices). Each OfficeReview is made when asked for:
    changing it changes nothing; `set_repeated` and `set_last_year` do."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._names = bytearray()
        self._ends = array("q")  # where the name of each office up to the last one named ends in _names
        self._repeated = array("i", bytes(4 * count))
        self._last_year: dict[int, tuple[dict[str, Number], str]] = {}
        self.names = _OfficeNames(self)  # the name of each office ("" when its data did not pass its checks)

    def set_name(self, index: int, name: str) -> None:
        """Name office `index` (offices are named in increasing order, once each)."""
        if not len(self._ends) <= index < self._count:
            raise ValueError("offices are named in increasing order, once each")
        while len(self._ends) < index:
            self._ends.append(len(self._names))  # the offices before it: no name
        self._names += name.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._names))

    def name(self, index: int) -> str:
        if index >= len(self._ends):
            return ""
        start = self._ends[index - 1] if index > 0 else 0
        return self._names[start : self._ends[index]].decode("utf-8", "surrogatepass")

    def set_repeated(self, index: int, count: int) -> None:
        self._repeated[index] = count

    def set_last_year(self, index: int, figures: dict[str, Number], file: str) -> None:
        self._last_year[index] = (figures, file)

    def __len__(self) -> int:
        return self._count

    def _item(self, index: int) -> OfficeReview:
        last_year, last_year_file = self._last_year.get(index, (None, ""))
        return OfficeReview(self.name(index), last_year, last_year_file, self._repeated[index])


class _OfficeNames(IndexedSequence[str]):
    """The names of OfficeReviews, by office number."""

    def __init__(self, offices: OfficeReviews) -> None:
        self._offices = offices

    def __len__(self) -> int:
        return len(self._offices)

    def _item(self, index: int) -> str:
        return self._offices.name(index)


class IncludedNames(IndexedSequence[str]):
    """The names of the offices added up in the district total, in their order: kept as the offices' numbers
    (8 bytes each), each name read from the OfficeReviews when asked for."""

    def __init__(self, offices: OfficeReviews) -> None:
        self._offices = offices
        self._indices = array("i")

    def append_office(self, index: int) -> None:
        self._indices.append(index)

    def __len__(self) -> int:
        return len(self._indices)

    def _item(self, index: int) -> str:
        return self._offices.name(self._indices[index])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IncludedNames | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"IncludedNames({list(self)!r})"


class PlaceRecords:
    """The paragraphs reported as the same text, one record each in an anonymous temporary file (a
    batch.ReviewSpill: gone whatever happens to the run), numbered in the order they are put: the groups
    keep these numbers (8 bytes a paragraph), not the paragraphs' texts and places."""

    def __init__(self) -> None:
        self._spill = ReviewSpill()
        self._at = array("q")
        self._size = array("i")
        self._office = array("i")  # the number of the office each record was put for (never decreasing)

    def put(self, place: TextPlace, office: int) -> int:
        """Keep `place`, a paragraph of office number `office` (put in the order of the offices)."""
        assert not self._office or self._office[-1] <= office
        location = place.location
        kept = self._spill.put((place.office, place.year, place.part, location.file, location.line, place.text))
        self._at.append(kept.offset)
        self._size.append(kept.size)
        self._office.append(office)
        return len(self._at) - 1

    def of_office(self, office: int) -> range:
        """The numbers of the records put for office number `office`."""
        return range(bisect_left(self._office, office), bisect_right(self._office, office))

    def __getitem__(self, number: int) -> TextPlace:
        office, year, part, file, line, text = self._spill.read(self._at[number], self._size[number])
        return TextPlace(office, year, part, Location(file, line), text)

    def __len__(self) -> int:
        return len(self._at)

    def close(self) -> None:
        self._spill.close()


class SpilledByOffice(Mapping[int, Spilled]):
    """Spilled records by office number, put in increasing order of the numbers: kept as arrays (25 bytes an
    office: its number, which spill file, where in it), not as a dict of Spilled objects, so that the
    review's memory grows as little as it can with the number of offices."""

    def __init__(self) -> None:
        self._spills: list[ReviewSpill] = []
        self._index = array("i")
        self._which = array("b")
        self._at = array("q")
        self._size = array("i")

    def __setitem__(self, index: int, spilled: Spilled) -> None:
        if self._index and index <= self._index[-1]:
            raise ValueError("offices are put in increasing order, once each")
        which = next((n for n, spill in enumerate(self._spills) if spill is spilled.spill), len(self._spills))
        if which == len(self._spills):
            self._spills.append(spilled.spill)
        self._index.append(index)
        self._which.append(which)
        self._at.append(spilled.offset)
        self._size.append(spilled.size)

    def _position(self, index: int) -> int:
        position = bisect_left(self._index, index)
        if position == len(self._index) or self._index[position] != index:
            raise KeyError(index)
        return position

    def __getitem__(self, index: int) -> Spilled:
        at = self._position(index)
        return Spilled(self._spills[self._which[at]], self._at[at], self._size[at])

    def __contains__(self, index: object) -> bool:
        position = bisect_left(self._index, index) if isinstance(index, int) else len(self._index)
        return position < len(self._index) and self._index[position] == index

    def __iter__(self) -> Iterator[int]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


@dataclass
class KeptGroup:
    """A group of same-text paragraphs as the review keeps it: its paragraphs as numbers of `records` (in the
    group's order), and the described first few of them, which every warning of the group names."""

    records: PlaceRecords
    numbers: array[int]
    similarity: float
    last_year: bool
    described: tuple[str, ...]  # TextPlace.describe() of the first LIMIT + 1 places

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)

    @property
    def places(self) -> Iterator[TextPlace]:
        """The group's paragraphs, read back one at a time."""
        for number in self.numbers:
            yield self.records[number]

    def __len__(self) -> int:
        return len(self.numbers)


@dataclass
class DistrictReview:
    offices: OfficeReviews
    figure_labels: list[str]
    outcomes: Outcomes = field(default_factory=list)  # the run's (with the same-text warnings added)
    district: str = ""
    year: str = ""
    total: ReportData | None = None
    included: IncludedNames | list[str] = field(default_factory=list)  # the offices added up in `total`
    excluded: list[str] = field(default_factory=list)
    repeats: list[KeptGroup] = field(default_factory=list)
    added: array[int] = field(default_factory=lambda: array("i"))  # how many warnings each office got here
    tally: Tally | None = None  # the outcomes' summary (with the warnings added here), counted as they are stored
    records: PlaceRecords | None = None  # the file the repeats' places are read back from (see close_places)

    def close_places(self) -> None:
        """Close the file of the paragraphs reported as the same text once the page is written: the repeats'
        places cannot be read back afterwards (their counts, descriptions and the warnings stay)."""
        if self.records is not None:
            self.records.close()

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
    offices = OfficeReviews(len(outcomes))
    included = IncludedNames(offices)
    review = DistrictReview(offices, [], outcomes, included=included)
    spill = ReviewSpill()  # the paragraphs of offices read here (no data from the workers) and of last year
    this_year, last_year = SpilledByOffice(), SpilledByOffice()
    names: set[str] = set()
    years: set[str] = set()
    settings = None
    spills = {spill}
    records = review.records = PlaceRecords()  # the paragraphs reported as the same text, until the page is written
    try:
        for index, outcome in enumerate(outcomes):
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
            offices.set_name(index, office_name)
            included.append_office(index)
            review.district = review.district or region or ""
            years.add(year)
            names.update(filter(None, [region, office_name]))
            # As text: a Path per office would intern its file name for the rest of the process.
            previous = previous_year_text(resolved_text(outcome.path), year)
            last = _load(Path(previous)) if previous is not None and os.path.isfile(previous) else None
            if last is not None and previous is not None:
                settings = settings or settings_for(last.spec)
                folder, file_name = os.path.split(previous)
                offices.set_last_year(index, summary_figures(last), f"{os.path.basename(folder)}/{file_name}")
                last_year[index] = spill.put(text_places(last, settings))
        review.figure_labels = list(labels)
        review.year = years.pop() if len(years) == 1 else ""
        if settings is not None:
            finder = SameTextFinder(settings, names)
            del names  # the finder's own now: released once it is done (_repeats)
            review.repeats = _repeats(finder, this_year, last_year, records, offices.names)
            finder.release()
    except BaseException:
        records.close()
        raise
    finally:
        for each in spills:
            each.close()
    warnings = _Warnings(review.repeats, records, offices.names)
    review.tally = tally = Tally(keep=TERMINAL_ROWS)
    for index, name in enumerate(offices.names):
        outcome = outcomes[index]
        added = warnings.of(name) if name else []
        offices.set_repeated(index, len({p.location for p in added}))
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


def _repeats(finder: SameTextFinder, this_year: Mapping[int, Spilled], last_year: Mapping[int, Spilled],
             records: PlaceRecords, names: Sequence[str]) -> list[KeptGroup]:
    """The same-text groups: across offices (in the order of their first place, each sorted by office and
    place), then each office against its last year. The offices' paragraphs are read again one office at
    a time; those reported are put in `records`, and the groups keep only their numbers there. `names`:
    the name of each office (by number), which its paragraphs carry. The finder is released once used."""
    linked = link_pairs(finder.pairs_across((index, _places(spilled)) for index, spilled in this_year.items()))
    if not last_year:
        finder.release()  # the district's names and their folded form: not needed for the rest
    # The paragraphs reported, as sorted keys (8 bytes each): an office's keys are side by side.
    wanted = array("q", sorted(key for keys, _ in linked for key in keys))
    number_of = array("i", bytes(4 * len(wanted)))  # the record of each wanted paragraph
    # What the groups are sorted by, until they are: the office and place (file, line) of each wanted
    # paragraph, as three 8-byte numbers, not a tuple of strings and a Location each: thousands of offices
    # copying a paragraph are tens of thousands of wanted paragraphs. The office by its number (its name
    # ranked among `names`, equal names equal); the file ranked among the files of the offices of its name
    # (the file counts only between places of offices of one name): among the office's own files when no
    # other office has its name, without keeping a file's text per office for the whole district.
    name_rank = _ranks_of(names)
    offices_named = array("q", bytes(8 * len(names)))  # how many offices have each rank's name
    for rank in name_rank:
        offices_named[rank] += 1
    files: dict[str, int] = {}  # the files of the places of offices sharing their name with another
    office_of, file_of, line_of = array("i"), array("i"), array("q")
    last: list[KeptGroup] = []
    position = 0
    for index in sorted({key // PER_OFFICE for key in wanted} | last_year.keys()):
        places = _places(this_year[index])
        shared_name = offices_named[name_rank[index]] > 1
        own: dict[str, int] = {}  # this office's files, when its name is its own
        first = position
        while position < len(wanted) and wanted[position] // PER_OFFICE == index:
            place = places[wanted[position] % PER_OFFICE]
            # An invariant, not a check of input: an office's name and its paragraphs' office are read from
            # the same report above; the order below ranks the paragraph by the name (test_review_order).
            assert place.office == names[index], (place.office, names[index])
            number_of[position] = records.put(place, index)
            office_of.append(index)
            file = place.location.file
            file_of.append(files.setdefault(file, len(files)) if shared_name else own.setdefault(file, len(own)))
            line_of.append(place.location.line)
            position += 1
        if own:
            own_rank = _ranks(own)
            for at in range(first, position):
                file_of[at] = own_rank[file_of[at]]
        del own
        if index in last_year:
            for repeat in finder.against_last_year(places, _places(last_year[index])):
                numbers = array("i", [records.put(repeat.place, index), records.put(repeat.other, index)])
                described: tuple[str, ...] = (repeat.place.describe(), repeat.other.describe())
                last.append(KeptGroup(records, numbers, repeat.similarity, True, described))
    if files:
        file_rank = _ranks(files)
        for at in range(len(office_of)):
            if offices_named[name_rank[office_of[at]]] > 1:
                file_of[at] = file_rank[file_of[at]]
    del files

    def order(at: int) -> tuple[int, int, int]:  # as (office, Location) compare: name, then file, then line
        return name_rank[office_of[at]], file_of[at], line_of[at]

    across: list[tuple[tuple[int, int, int], KeptGroup]] = []
    for keys, similarity in linked:
        positions = sorted((bisect_left(wanted, key) for key in keys), key=order)
        numbers = array("i", (number_of[at] for at in positions))
        described = tuple(records[number].describe() for number in numbers[: LIMIT + 1])
        across.append((order(positions[0]), KeptGroup(records, numbers, similarity, False, described)))
    across.sort(key=lambda pair: pair[0])
    return [*(group for _, group in across), *last]


def _ranks_of(texts: Sequence[str]) -> array[int]:
    """The rank of each of `texts` among them in sorted order, equal texts with equal ranks."""
    ranks = array("q", bytes(8 * len(texts)))
    rank, previous = -1, None
    for index in sorted(range(len(texts)), key=texts.__getitem__):
        if rank < 0 or texts[index] != previous:
            rank, previous = rank + 1, texts[index]
        ranks[index] = rank
    return ranks


def _ranks(numbered: dict[str, int]) -> array[int]:
    """The rank of each string (by its number in `numbered`) in the strings' sorted order."""
    ranks = array("q", bytes(8 * len(numbered)))
    for rank, text in enumerate(sorted(numbered)):
        ranks[numbered[text]] = rank
    return ranks


class _Warnings:
    """The same-text warnings of each office, made when asked (by office name, group by group, place by
    place), not held for the whole district at once."""

    def __init__(self, groups: list[KeptGroup], records: PlaceRecords, names: Sequence[str]) -> None:
        self.groups, self.records = groups, records
        # The group, and the place in it, of each record warned about (-1: last year's paragraph).
        self.group_of = array("i", [-1]) * len(records)
        self.slot_of = array("i", [-1]) * len(records)
        for number, group in enumerate(groups):
            for slot, record in enumerate(group.numbers[:1] if group.last_year else group.numbers):
                self.group_of[record], self.slot_of[record] = number, slot
        # The offices of each name (the warnings go by name): the named offices' numbers sorted by name (in
        # office order within a name), a name found by bisection; not a dict of every name and its offices.
        self.names = names
        self.by_name = array("q", sorted((i for i, name in enumerate(names) if name), key=names.__getitem__))

    def _offices_named(self, name: str) -> Iterator[int]:
        by_name, names = self.by_name, self.names
        at = bisect_left(by_name, name, key=names.__getitem__)
        while at < len(by_name) and names[by_name[at]] == name:
            yield by_name[at]
            at += 1

    def of(self, name: str) -> list[Problem]:
        group_of, slot_of, records = self.group_of, self.slot_of, self.records
        warned = [record for index in self._offices_named(name) for record in records.of_office(index)
                  if group_of[record] >= 0]
        warned.sort(key=lambda record: (group_of[record], slot_of[record]))
        problems: list[Problem] = []
        messages: dict[str, str] = {}  # one string for the offices' places that get the same message
        for record in warned:
            group = self.groups[group_of[record]]
            here = records[record]
            if group.last_year:
                problems.append(last_year_warning(here, records[group.numbers[1]], group.percent))
                continue
            message = across_message(here, others_named(group.described, slot_of[record], len(group)),
                                     group.percent)
            problems.append(across_warning(here, messages.setdefault(message, message)))
        return problems
