"""The batch pool: find the offices named by files and folders, and check or build each office on its own
(one bad file never stops the others), spread over the CPU cores; the outcome of each office.

A folder is read non-recursively; which files are offices and which shared defaults apply is decided by
district.py, as for a single file. Writing the run's summary is runs.py's job (above this floor).
"""

from __future__ import annotations

import contextlib
import copy
import os
import pickle
import signal
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby, pairwise
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, TypeVar, overload

from .district import DATA_SUFFIXES, DEFAULTS_FILE, defaults_for, is_office_file
from .errors import (
    ChecksFailed,
    FileTrouble,
    NianbaoError,
    OutputProtected,
    UsageTrouble,
    os_error_file,
    os_error_to_say,
)
from .heavy_imports import loading
from .model import Number, ReportData
from .pipeline import CheckResult, check_file, write_report
from .problems import Location, Problem, error
from .source import display_name
from .spec import plain_path, resolved_text
from .write import exit_on_sigterm, os_error_text

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Future

    from .same_text import SameTextSettings, TextPlace
    from .spec import Spec


class Status(StrEnum):
    BUILT = "已生成"
    PASSED = "检查通过"
    SKIPPED = "已跳过"
    FAILED = "有错误"


@dataclass(frozen=True)
class OfficeJob:
    """One office's data file and the shared defaults files applied under it (in order)."""

    path: Path
    defaults: tuple[Path, ...] = ()

    def __reduce__(self) -> tuple[Callable[..., OfficeJob], tuple[object, ...]]:
        # Sent to a worker as text: a Path is pickled as its parts, which pathlib interns again on loading
        # (spec.plain_path), one set of names per office in every worker.
        return (_restored_job, (os.fspath(self.path), self.defaults))


def _restored_job(path: str, defaults: tuple[Path, ...]) -> OfficeJob:
    return OfficeJob(plain_path(path), defaults)


@dataclass(slots=True)
class ReviewData:
    """What the district review needs of one built office, taken where its data was loaded (a worker), so
    that the review does not read and check every data file a second time: its table cells (in roll-up
    order), shared facts and paragraphs. Small and picklable; the review drops it once used."""

    office: str
    year: str
    template: str  # the template folder: offices of another template are not added up
    facts: dict[str, str]
    values: tuple[Number, ...]
    places: list[TextPlace]


class ReviewSpill:
    """Where the review data of a district build's offices wait for the district review: an anonymous
    temporary file (removed by the system as soon as it is created, so none is left behind whatever happens
    to the run), one pickled record per office, written as the offices finish. The main process keeps one
    small `Spilled` handle per office, not the data: its memory does not grow with the number of offices."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None

    def put(self, data: object) -> Spilled:
        """Keep `data` (or the bytes of its pickle, as a worker sent them) until `Spilled.load`."""
        blob = data if isinstance(data, bytes) else pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
        try:
            if self._file is None:
                import tempfile
                import weakref

                self._file = tempfile.TemporaryFile(prefix="nianbao-review-")
                # Closed when the last handle goes, also for a library caller that never reviews the run.
                weakref.finalize(self, _discard, self._file)
            self._file.seek(0, os.SEEK_END)
            offset = self._file.tell()
            self._file.write(blob)
            self._file.flush()  # a full disk is said here, at the office that met it
        except OSError as exc:
            raise _spill_trouble(exc) from None
        return Spilled(self, offset, len(blob))

    def read(self, offset: int, size: int) -> Any:
        assert self._file is not None
        try:
            self._file.seek(offset)
            blob = self._file.read(size)
        except OSError as exc:
            raise _spill_trouble(exc) from None
        return pickle.loads(blob)

    def close(self) -> None:
        if self._file is not None:
            _discard(self._file)
            self._file = None


def _discard(file: IO[bytes]) -> None:
    """Close a spill file, whose data are no longer wanted: a full disk met by its last flush is no news."""
    with contextlib.suppress(OSError):
        file.close()


def _spill_trouble(exc: OSError) -> FileTrouble:
    import tempfile

    return FileTrouble(
        f"各机关的结果（汇总和审阅用）无法写入临时文件夹 {tempfile.gettempdir()}：{os_error_text(exc)}；"
        "也可以用环境变量 TMPDIR 指定另一个临时文件夹（已生成的报告都是完整的，改正后再运行一次）"
    )


@dataclass(frozen=True, slots=True)
class Spilled:
    """One record of a `ReviewSpill`."""

    spill: ReviewSpill
    offset: int
    size: int

    def load(self) -> Any:
        return self.spill.read(self.offset, self.size)

    def __deepcopy__(self, memo: dict[int, object]) -> Spilled:
        return self  # a handle to data that does not change: copies share it


_SETTINGS: dict[int, tuple[Spec, SameTextSettings]] = {}


def review_data(report: ReportData) -> ReviewData:
    # Imported here: only a district build needs them (a one-office run does not load them).
    from .rollup import SHARED_FACTS, cell_values
    from .same_text import settings_for, text_places

    kept = _SETTINGS.get(id(report.spec))
    if kept is None or kept[0] is not report.spec:
        kept = _SETTINGS[id(report.spec)] = (report.spec, settings_for(report.spec))
    # The shared facts (地区, 年度, ...) are the same for most offices of a district: held once (sys.intern).
    facts = {fact: _shared(report.facts[fact]) for fact in SHARED_FACTS if fact in report.facts}
    return ReviewData(report.office, report.year, template_key(report.spec), facts, cell_values(report),
                      text_places(report, kept[1]))


def _shared(value: str) -> str:
    return sys.intern(value) if isinstance(value, str) else value


def template_key(spec: Spec) -> str:
    return os.path.realpath(spec.folder)


@dataclass(slots=True)
class OfficeOutcome:
    """What happened to one office; small and picklable (no report, no document bytes)."""

    path: Path
    display: str
    office: str
    status: Status
    figures: dict[str, Number] = field(default_factory=dict)  # summary columns; empty when not trusted
    problems: list[Problem] = field(default_factory=list)
    target: Path | None = None
    note: str = ""  # why it was skipped, or the file trouble that stopped it
    checks_failed: bool = False  # the data failed its checks (exit 3), as opposed to file trouble (exit 1)
    # A built office's data for the district review (review.py): made by the worker, pickled there (bytes),
    # and spilled to a temporary file (Spilled) as it arrives in the main process.
    review: ReviewData | bytes | Spilled | None = None

    def __reduce__(self) -> tuple[Callable[..., OfficeOutcome], tuple[object, ...]]:
        # Pickled by its fields, paths as text: a slotted dataclass's own pickling calls dataclasses.fields()
        # for every outcome, and a path is pickled as its parts, joined again on loading. Outcomes are read
        # back from the spill several times per office (OutcomeStore).
        return (_restored_outcome, (os.fspath(self.path), self.display, self.office, self.status, self.figures,
                                    self.problems, None if self.target is None else os.fspath(self.target),
                                    self.note, self.checks_failed, self.review))

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems) + (1 if self.note and self.status is Status.FAILED else 0)

    @property
    def warnings(self) -> int:
        return sum(not p.is_error for p in self.problems)


def _restored_outcome(path: str, display: str, office: str, status: Status, figures: dict[str, Number],
                      problems: list[Problem], target: str | None, note: str, checks_failed: bool,
                      review: ReviewData | bytes | Spilled | None) -> OfficeOutcome:
    # Read back several times per office: paths made without interning their parts (spec.plain_path).
    return OfficeOutcome(plain_path(path), display, office, status, figures, problems,
                         None if target is None else plain_path(target), note, checks_failed, review)


@dataclass
class BatchResult:
    outcomes: Outcomes  # an OutcomeStore after a run: read back from disk office by office
    summary_path: Path | None = None
    from_folder: bool = False

    summary_trouble: str = ""  # why the summary workbook could not be written
    output_troubles: list[str] = field(default_factory=list)  # the review page or roll-up that could not be written
    page_written: Path | None = None  # the review page, once written (write_district_outputs)
    rollup_written: Path | None = None  # the roll-up data file, once written (write_district_outputs)
    tally: Any = None  # summary.Tally, once the review has counted the outcomes (write_district_outputs)

    def summary_failed(self, exc: NianbaoError | OSError) -> None:
        """Record why the summary workbook could not be written: the reports are written all the same, and
        the caller says why after the summary table (exit code 1)."""
        self.summary_trouble = (exc.format() if isinstance(exc, NianbaoError)
                                else f"错误：无法写入汇总表 {self.summary_path}：{os_error_text(exc)}")

    @property
    def skipped(self) -> list[OfficeOutcome]:
        return [o for o in self.outcomes if o.status is Status.SKIPPED]

    def _statuses(self) -> Iterable[tuple[Status, bool]]:
        if isinstance(self.outcomes, OutcomeStore):
            return self.outcomes.statuses()
        return ((o.status, o.checks_failed) for o in self.outcomes)

    @property
    def skipped_count(self) -> int:
        return sum(status is Status.SKIPPED for status, _ in self._statuses())

    @property
    def exit_code(self) -> int:
        """3 if any office failed its checks, else 1 if any could not be read or written (or the summary
        workbook), else 4 (EXIT_SKIPPED) if an existing report was kept instead of regenerated, else 0."""
        checks_failed = failed = skipped = False
        for status, checks in self._statuses():  # kept in memory by an OutcomeStore: no outcome read back
            checks_failed = checks_failed or checks
            failed = failed or status is Status.FAILED
            skipped = skipped or status is Status.SKIPPED
        if checks_failed:
            return ChecksFailed.exit_code
        if failed or self.summary_trouble or self.output_troubles:
            return FileTrouble.exit_code
        if skipped:
            return EXIT_SKIPPED
        return 0


# A run that kept an edited (or foreign) report instead of regenerating it: that report is stale.
EXIT_SKIPPED = 4
# The summary workbook of a district run. Here, below runs and summary, so that a one-office run names it
# without loading summary.py (the table printer, with form_layout behind it).
SUMMARY_FILE = "年报汇总.xlsx"


class Reporter(Protocol):
    """Told about a run as it goes (see progress.py): how many offices, then each one as it finishes."""

    def start(self, total: int) -> None: ...

    def office_done(self, outcome: OfficeOutcome, done: int, total: int) -> None: ...

    def finish(self) -> None: ...


# --- discovery -------------------------------------------------------------------------------------------


_Item = TypeVar("_Item")


class IndexedSequence(Sequence[_Item]):
    """A read-only sequence whose items are made when asked for, from their number (`_item`), by classes
    that keep many offices compactly (in arrays and files) rather than as objects: indexing with negative
    numbers and slices, bounds and iteration as a list has them."""

    def _item(self, index: int) -> _Item:  # 0 <= index < len(self)
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> _Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[_Item]: ...

    def __getitem__(self, index: int | slice) -> _Item | list[_Item]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("office index out of range")
        return self._item(index)

    def __iter__(self) -> Iterator[_Item]:
        for index in range(len(self)):
            yield self._item(index)


class OfficeJobs(IndexedSequence[OfficeJob]):
    """The offices of a run, as `find_offices` found them: a sequence of OfficeJob, kept as the number of
    each path's folder, its file name (UTF-8, all names in one buffer) and the number of its defaults tuple
    (one per folder), not as Path objects: a Path with its parts costs some 700 bytes and the text of a
    path some 130, held for the whole run; this is about 40 bytes an office (issue 14: memory flat in the
    number of offices). Each OfficeJob is made when asked for."""

    def __init__(self) -> None:
        self._names = bytearray()  # the file names, one after the other
        self._ends = array("q")  # per office: where its name ends in _names
        self._folder = array("l")  # per office: its folder in _folders
        self._folders: list[str] = []
        self._folder_numbers: dict[str, int] = {}
        self._which = array("l")  # per office: its defaults tuple in _defaults
        self._defaults: list[tuple[Path, ...]] = []
        self._numbers: dict[int, int] = {}  # id of a defaults tuple -> its number

    def append(self, job: OfficeJob) -> None:
        number = self._numbers.get(id(job.defaults))
        if number is None:  # kept in _defaults: its id is not reused while the run lasts
            number = self._numbers[id(job.defaults)] = len(self._defaults)
            self._defaults.append(job.defaults)
        text = os.fspath(job.path)
        folder, name = os.path.split(text)
        if os.path.join(folder, name) != text:  # not a path as pathlib writes it: kept whole
            folder, name = "", text
        at = self._folder_numbers.get(folder)
        if at is None:
            at = self._folder_numbers[folder] = len(self._folders)
            self._folders.append(folder)
        # surrogatepass: a file name that is not UTF-8 (os.fsdecode's surrogates) comes back as it was.
        self._names += name.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._names))
        self._folder.append(at)
        self._which.append(number)

    def _path(self, index: int) -> str:
        start = self._ends[index - 1] if index > 0 else 0
        name = self._names[start : self._ends[index]].decode("utf-8", "surrogatepass")
        return os.path.join(self._folders[self._folder[index]], name)

    def __len__(self) -> int:
        return len(self._ends)

    def _item(self, index: int) -> OfficeJob:
        return OfficeJob(plain_path(self._path(index)), self._defaults[self._which[index]])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OfficeJobs | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list


def find_offices(paths: Iterable[Path | str]) -> tuple[OfficeJobs, bool]:
    """The offices named by files and folders (folders non-recursively), and whether a folder was given.

    Raises FileTrouble for a folder without office files, UsageTrouble for a defaults file named as if it
    were an office. A missing file is not raised here: it becomes that office's own trouble.

    Memory stays flat in the number of offices: a folder's office files are gathered as names (not Path
    objects, some 700 bytes each), and a file named twice is told by the hash of its resolved path (8 bytes
    an office), its text compared only when two hashes meet (issue 14).
    """
    jobs = OfficeJobs()
    keys = array("q")  # per office found: the hash of its resolved path
    shared: dict[Path, tuple[Path, ...]] = {}  # one defaults tuple per folder, not one per office
    from_folder = False
    for given in paths:
        path = Path(given)
        if path.is_dir():
            from_folder = True
            files: Iterable[Path] = _office_files(path)
        else:
            if path.name.startswith("_") and path.suffix.lower() in DATA_SUFFIXES:
                raise UsageTrouble(
                    f"{display_name(path)} 是共同设置文件，不是机关的数据文件；"
                    "请给出机关的数据文件或所在文件夹，共同设置会自动套用"
                )
            files = [path]  # a missing file is reported as that office's trouble
        for file in files:
            if file.parent not in shared:
                shared[file.parent] = defaults_for(file)
            keys.append(hash(resolved_text(file)))
            jobs.append(OfficeJob(file, shared[file.parent]))
    return _without_repeats(jobs, keys), from_folder


def _office_files(folder: Path) -> Iterator[Path]:
    """The office files of `folder` in the order of their paths (`sorted(folder.iterdir())`, filtered), made
    one at a time from their names; FileTrouble when there are none."""
    text = os.fspath(folder)
    names = []
    for name in os.listdir(folder):
        file = plain_path(os.path.join(text, name))  # as folder.iterdir() makes it, its parts not interned
        if file.is_file() and is_office_file(file):
            names.append(name)
    if not names:
        raise FileTrouble(
            f"文件夹中没有机关数据文件（*.yaml；以 _ 开头的 {DEFAULTS_FILE} 等是共同设置，不算机关）",
            display_name(folder),
        )
    names.sort()  # the files of one folder: their paths sort as their names
    for name in names:
        yield plain_path(os.path.join(text, name))


def _without_repeats(jobs: OfficeJobs, keys: array[int]) -> OfficeJobs:
    """`jobs` without the offices whose file (resolved) came earlier in the list; their `keys` (hashes of
    the resolved paths) say which may have, and only those are resolved again and compared."""
    ordered = sorted(keys)
    met = {a for a, b in pairwise(ordered) if a == b}  # hashes held by several offices (usually none)
    del ordered
    repeated: set[int] = set()
    seen: set[str] = set()
    for index in (i for i, key in enumerate(keys) if key in met):
        resolved = resolved_text(jobs[index].path)
        if resolved in seen:
            repeated.add(index)
        seen.add(resolved)
    if not repeated:
        return jobs
    kept = OfficeJobs()
    for index, job in enumerate(jobs):
        if index not in repeated:
            kept.append(job)
    return kept


# --- one office ------------------------------------------------------------------------------------------


def summary_figures(report: ReportData) -> dict[str, Number]:
    """The summary columns of the template's defaults.yaml (`summary:`), each a sum of table cells."""
    figures: dict[str, Number] = {}
    for column in report.spec.defaults.get("summary", []):
        figures[column["label"]] = sum(
            (report.value(*cell) for cell in column["cells"] if tuple(cell) in report.cells), 0
        )
    return figures


def _office_name(result: CheckResult | None, job: OfficeJob) -> str:
    if result is not None and result.report is not None and result.report.office:
        return result.report.office
    return job.path.stem


def _trouble(job: OfficeJob, exc: NianbaoError, result: CheckResult | None = None) -> OfficeOutcome:
    return OfficeOutcome(
        job.path,
        result.display if result else display_name(job.path),
        _office_name(result, job),
        Status.FAILED,
        problems=result.problems if result else [],
        note=exc.format(),
        checks_failed=isinstance(exc, ChecksFailed),  # e.g. a table still 缺失: the data, not a file
    )


Checker = Callable[..., CheckResult]  # pipeline.check_file(path, defaults=..., template=...)


def _checked(
    job: OfficeJob, template: Path | str | None, checker: Checker
) -> tuple[CheckResult | None, OfficeOutcome | None]:
    """Check one office; on failure, the outcome to report instead."""
    try:
        result = checker(job.path, defaults=job.defaults, template=template)
    except NianbaoError as exc:
        return None, _trouble(job, exc)
    if not result.ok or result.report is None:
        outcome = OfficeOutcome(job.path, result.display, _office_name(result, job), Status.FAILED,
                                problems=result.problems, checks_failed=True)
        return None, outcome
    return result, None


def check_office(
    job: OfficeJob, template: Path | str | None = None, isolate: bool = True, checker: Checker = check_file
) -> OfficeOutcome:
    """Check one office. With `isolate`, even a bug met on its data only marks this office as failed."""
    try:
        result, failed = _checked(job, template, checker)
        if failed is not None:
            return failed
        assert result is not None and result.report is not None
        return OfficeOutcome(job.path, result.display, _office_name(result, job), Status.PASSED,
                             summary_figures(result.report), result.problems)
    except Exception as exc:
        return _internal_error(job, exc, isolate)


def build_office(
    job: OfficeJob,
    out_dir: Path,
    template: Path | str | None = None,
    force: bool = False,
    isolate: bool = True,
    checker: Checker = check_file,
) -> OfficeOutcome:
    """Check one office and write its report. An output edited since generation is kept (status 已跳过)
    unless `force`. With `isolate`, even a bug met on its data only marks this office as failed."""
    try:
        result, failed = _checked(job, template, checker)
        if failed is not None:
            return failed
        assert result is not None and result.report is not None
        outcome = OfficeOutcome(job.path, result.display, _office_name(result, job), Status.BUILT,
                                summary_figures(result.report), result.problems,
                                # for the district review; a run on one file (isolate False) has none
                                review=review_data(result.report) if isolate else None)
        try:
            outcome.target = write_report(result, out_dir, force=force)
        except OutputProtected as exc:
            outcome.status, outcome.target, outcome.note = Status.SKIPPED, exc.target, exc.message
        except NianbaoError as exc:
            return _trouble(job, exc, result)
        return outcome
    except Exception as exc:
        return _internal_error(job, exc, isolate)


def _internal_error(job: OfficeJob, exc: Exception, isolate: bool) -> OfficeOutcome:
    """A bug met while handling one office stops that office only (unless not isolating, or debugging)."""
    if not isolate or os.environ.get("NIANBAO_DEBUG"):
        raise exc
    said = os_error_to_say(exc)  # one no layer below said (cli says it so for a run on one file)
    if said is not None:
        named = os_error_file(said)
        note = (f"错误：处理 {display_name(job.path)} 时{f'，{named} ' if named else ''}出错："
                f"{os_error_text(said, reading=None)}")
        return OfficeOutcome(job.path, display_name(job.path), job.path.stem, Status.FAILED, note=note)
    note = (f"错误：处理 {display_name(job.path)} 时程序内部出错（{type(exc).__name__}: {exc}）。"
            "请把这条信息和数据文件发给维护人员；设置环境变量 NIANBAO_DEBUG=1 可查看详细信息")
    return OfficeOutcome(job.path, display_name(job.path), job.path.stem, Status.FAILED, note=note)


# --- many offices ----------------------------------------------------------------------------------------


def default_jobs() -> int:
    return os.cpu_count() or 1


def run_offices(
    task: Callable[..., OfficeOutcome],
    offices: Sequence[OfficeJob],
    args: tuple[object, ...],
    jobs: int | None = None,
    reporter: Reporter | None = None,
) -> Outcomes:
    """Run `task(office, *args)` for every office, in worker processes when `jobs` > 1.

    Outcomes come back in the order of `offices`, kept on disk (OutcomeStore) when there are several. At most a few offices per worker are in flight at once,
    so memory does not grow with the number of offices. Each worker compiles the template once
    (render.compiled_template caches it per process). `reporter.start` is called once the workers exist.
    """
    total = len(offices)
    jobs = max(1, jobs or default_jobs())
    # One office: its outcome in memory (no temporary file, nor the tempfile module, for a run on one file).
    store: Outcomes = OutcomeStore() if total > 1 else []
    try:
        if jobs == 1 or total <= 1:
            if reporter is not None:
                reporter.start(total)
            _run_here(task, offices, args, reporter, store)
        else:
            _run_in_pool(task, offices, args, jobs, reporter, store)
        return store
    except BaseException:
        if isinstance(store, OutcomeStore):
            store.close()
        raise
    finally:
        if reporter is not None:
            reporter.finish()


class OutcomeStore(IndexedSequence[OfficeOutcome]):
    """The outcomes of a run, in the order of its offices, kept in a `ReviewSpill` (an anonymous temporary
    file, gone whatever happens to the run) rather than in memory: per office the main process keeps four
    integers, so its memory does not grow with the number of offices (issue 14). A sequence like a list:
    `store[i]` reads the office's outcome back (a fresh object each time: changing it changes nothing
    until it is stored again with `store[i] = outcome`)."""

    def __init__(self, spill: ReviewSpill | None = None) -> None:
        self._spill = spill if spill is not None else ReviewSpill()
        self._at = array("q")
        self._size = array("i")
        self._review_at = array("q")  # -1: no review data
        self._review_size = array("i")
        self._flags = bytearray()  # per office: its status (index in Status) and 4 if its checks failed
        # Offices that may have written the same report (flag_shared_targets), noted as they are appended so
        # that no outcome is read back to find them: per office the hash of its report file (_NO_TARGET: none),
        # 8 bytes an office; None once an outcome was replaced: then they are looked for anew.
        self._target_hashes: array[int] | None = array("q")

    def _record(self, outcome: OfficeOutcome) -> tuple[int, int, int, int]:
        review = given = outcome.review
        if review is None:
            where = (-1, 0)
        else:
            if not isinstance(review, Spilled) or review.spill is not self._spill:
                review = self._spill.put(review.load() if isinstance(review, Spilled) else review)
            where = (review.offset, review.size)
        outcome.review = None
        try:
            kept = self._spill.put(outcome)
        finally:
            outcome.review = given  # the caller's object as it was
        return kept.offset, kept.size, *where

    @staticmethod
    def _flag(outcome: OfficeOutcome) -> int:
        return _STATUSES.index(outcome.status) | (4 if outcome.checks_failed else 0)

    def statuses(self) -> Iterator[tuple[Status, bool]]:
        """Each office's status and whether its checks failed, without reading the outcomes back."""
        for flag in self._flags:
            yield _STATUSES[flag & 3], bool(flag & 4)

    def append(self, outcome: OfficeOutcome) -> None:
        if self._target_hashes is not None:
            target = _shared_target(outcome)
            self._target_hashes.append(_NO_TARGET if target is None else hash(target))
        at, size, review_at, review_size = self._record(outcome)
        self._at.append(at)
        self._size.append(size)
        self._review_at.append(review_at)
        self._review_size.append(review_size)
        self._flags.append(self._flag(outcome))

    def __len__(self) -> int:
        return len(self._at)

    def _item(self, index: int) -> OfficeOutcome:
        outcome: OfficeOutcome = self._spill.read(self._at[index], self._size[index])
        if self._review_at[index] >= 0:
            outcome.review = Spilled(self._spill, self._review_at[index], self._review_size[index])
        return outcome

    def __setitem__(self, index: int, outcome: OfficeOutcome) -> None:
        self._target_hashes = None
        at, size, review_at, review_size = self._record(outcome)
        self._at[index], self._size[index] = at, size
        self._review_at[index], self._review_size[index] = review_at, review_size
        self._flags[index] = self._flag(outcome)

    def maybe_shared_targets(self) -> list[list[int]] | None:
        """The offices that may share a report file, in sets (a hash of the target in common: the caller
        compares the targets), or None when that was not noted as the outcomes came; forgotten once asked."""
        hashes = self._target_hashes
        if hashes is None:
            return None
        self._target_hashes = None
        # Sorted by hash (stable: by office within a hash), then the runs of a hash held by several offices.
        order = sorted((i for i in range(len(hashes)) if hashes[i] != _NO_TARGET), key=hashes.__getitem__)
        sets = [members for _, run in groupby(order, key=hashes.__getitem__) if len(members := list(run)) > 1]
        return sets

    def forget_review(self, index: int) -> None:
        """Drop office `index`'s review data (used once), without storing its outcome again."""
        self._review_at[index] = -1

    def __iter__(self) -> Iterator[OfficeOutcome]:
        for index in range(len(self)):
            yield self[index]

    def __deepcopy__(self, memo: dict[int, object]) -> list[OfficeOutcome]:
        return [copy.deepcopy(outcome, memo) for outcome in self]

    def close(self) -> None:
        self._spill.close()


Outcomes = list[OfficeOutcome] | OutcomeStore
_NO_TARGET = -1  # never the hash of a str (Python keeps -1 for errors)
_STATUSES = tuple(Status)


def _run_here(
    task: Callable[..., OfficeOutcome],
    offices: Sequence[OfficeJob],
    args: tuple[object, ...],
    reporter: Reporter | None,
    store: Outcomes,
) -> None:
    for done, office in enumerate(offices, start=1):
        outcome = task(office, *args)
        store.append(outcome)
        if reporter is not None:
            reporter.office_done(outcome, done, len(offices))


def die_with_parent(parent: int) -> None:
    """Make a worker exit when the run that started it dies (SIGKILL, SIGTERM to it alone): on Linux the
    kernel sends SIGTERM (prctl PR_SET_PDEATHSIG); everywhere a watchdog thread checks the parent."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes  # only in a worker process: a run on one file does not load it

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    # SIGTERM (from the kernel when the run died, or from anyone) removes the half-written report first.
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    if not _alive(parent):
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="nianbao-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if not _alive(parent):
            os._exit(1)


def _pool_context() -> multiprocessing.context.BaseContext:
    """fork where it is safe (POSIX, no other thread yet: workers inherit the loaded libraries and need no
    `if __name__ == "__main__"` guard in the caller's script), else a fork server (nianbao preloaded),
    else spawn (Windows)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["nianbao.batch", "nianbao.render"])
        return context
    return multiprocessing.get_context("spawn")


def _run_in_pool(
    task: Callable[..., OfficeOutcome],
    offices: Sequence[OfficeJob],
    args: tuple[object, ...],
    jobs: int,
    reporter: Reporter | None,
    store: Outcomes,
) -> None:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    if task is build_office or any(office.path.suffix.lower() == ".docx" for office in offices):
        # Loaded once here, before the workers fork, not once per worker; a check of data files never
        # renders, and starts its workers without Jinja. Paused collector and freeze as in one process.
        with loading("nianbao.render"):
            from . import render  # noqa: F401

    total = len(offices)
    # Outcomes arrive out of order: each waits (in memory) only until those before it have been stored.
    waiting: dict[int, OfficeOutcome] = {}
    done = 0
    # A few offices per task: fewer round trips between processes, and still a steady progress display.
    chunk = max(1, min(8, total // (jobs * 8)))
    window = jobs * 3  # tasks in flight: memory stays flat however many offices there are
    with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=_pool_context(),
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        pending: dict[Future[list[OfficeOutcome]], int] = {}
        starts = iter(range(0, total, chunk))
        first = True
        while True:
            for start in starts:
                pending[pool.submit(_run_chunk, task, offices[start : start + chunk], args)] = start
                if len(pending) >= window:
                    break
            if first:
                # The workers exist now: only then may the progress display start its thread.
                first = False
                if reporter is not None:
                    reporter.start(total)
            if not pending:
                break
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                start = pending.pop(future)
                for offset, outcome in enumerate(future.result()):
                    outcome.path = offices[start + offset].path
                    waiting[start + offset] = outcome
                    done += 1
                    if reporter is not None:
                        reporter.office_done(outcome, done, total)
                while len(store) in waiting:
                    store.append(waiting.pop(len(store)))


def _run_chunk(
    task: Callable[..., OfficeOutcome], offices: Sequence[OfficeJob], args: tuple[object, ...]
) -> list[OfficeOutcome]:
    outcomes = [task(office, *args) for office in offices]
    for outcome in outcomes:
        if isinstance(outcome.review, ReviewData):
            # Pickled here, in the worker: the main process writes the bytes to its spill file as they are,
            # without making (and keeping) the objects.
            outcome.review = pickle.dumps(outcome.review, pickle.HIGHEST_PROTOCOL)
    return outcomes


def _shared_target(outcome: OfficeOutcome) -> str | None:
    """The report file an office wrote (or kept), as flag_shared_targets compares them."""
    if outcome.target is not None and outcome.status in (Status.BUILT, Status.SKIPPED):
        return os.path.abspath(outcome.target)
    return None


def flag_shared_targets(outcomes: Outcomes) -> None:
    """Offices whose reports went to the same output file: all of them are marked as failed."""
    first: dict[str, int] = {}  # target -> the first office writing it (one small entry per office)
    clashes: dict[int, list[int]] = {}
    maybe = outcomes.maybe_shared_targets() if isinstance(outcomes, OutcomeStore) else None
    # Only the offices that may share a target are read back (none, most of the time).
    indices = range(len(outcomes)) if maybe is None else sorted({i for some in maybe for i in some})
    for index in indices:
        target = _shared_target(outcomes[index])
        if target is not None:
            head = first.setdefault(target, index)
            if head != index:
                clashes.setdefault(head, [head]).append(index)
    for clash in clashes.values():
        names = "、".join(outcomes[i].display for i in clash)
        for index in clash:
            outcome = outcomes[index]
            outcome.status, outcome.checks_failed = Status.FAILED, True
            outcome.problems = [
                *outcome.problems,
                error(Location(outcome.display), f"{names} 生成的报告文件同名（{outcome.target}），后写的覆盖了先写的",
                      "核对这几个文件「基本信息」中的「机关」和「年度」是否写错"),
            ]
            outcomes[index] = outcome
