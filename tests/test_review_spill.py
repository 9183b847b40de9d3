"""The review data of a district build wait in an anonymous temporary file (batch.ReviewSpill), not in
memory: the records come back as they went in, the review reads and closes it, and no file is left behind,
whether the run finishes, fails half-way or is never reviewed."""

from __future__ import annotations

import errno
import gc
import os
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.batch import OfficeOutcome, ReviewData, ReviewSpill, Spilled
from nianbao.cli import cli
from nianbao.errors import FileTrouble
from nianbao.review import review_district
from nianbao.runs import build_paths

from .test_review import make_district


def _open_spills() -> list[str]:
    """The files of the temporary folder (the spill's) that this process still has open (Linux:
    /proc/self/fd; the spill is anonymous, so only its folder names it)."""
    if not sys.platform.startswith("linux"):
        return []
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(tempfile.gettempdir()):
            found.append(target)
    return found


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_records_come_back_as_they_went_in_and_the_file_is_never_in_the_folder(private_tmp: Path) -> None:
    spill = ReviewSpill()
    one = spill.put({"office": "甲街道", "values": (1, 2, 3)})
    two = spill.put(b"\x80\x05K*.")  # a worker's pickle (of 42), written as it is
    assert os.listdir(private_tmp) == []  # removed as soon as it was made
    assert two.load() == 42 and one.load() == {"office": "甲街道", "values": (1, 2, 3)}
    spill.close()
    assert _open_spills() == []


def test_a_spill_that_is_never_reviewed_is_closed_when_dropped(private_tmp: Path) -> None:
    spill = ReviewSpill()
    handle = spill.put([1, 2])
    assert len(_open_spills()) == 1
    del spill, handle
    gc.collect()
    assert _open_spills() == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_district_build_spills_the_review_data_and_closes_it_with_the_outcomes(private_tmp: Path, tmp_path: Path,
                                                                        jobs: int) -> None:
    folder = make_district(tmp_path / "2024")
    result = build_paths([folder], out_dir=tmp_path / "out", jobs=jobs, write_summary=False)
    handles = [o.review for o in result.outcomes if o.review is not None]
    assert len(handles) >= 13 and all(isinstance(h, Spilled) for h in handles)
    assert all(isinstance(h.load(), ReviewData) for h in handles if isinstance(h, Spilled))
    assert os.listdir(private_tmp) == []
    review = review_district(result.outcomes)
    assert list(review.new_problems) and len(review.included) >= 13
    # The outcomes themselves wait in the same file (batch.OutcomeStore): it is closed when they go; the
    # paragraphs reported as the same text wait in another (review.PlaceRecords) until the review goes.
    assert review.repeats and len(_open_spills()) == 2 and os.listdir(private_tmp) == []
    assert all(o.review is None for o in result.outcomes)  # the review data are used once
    del result, review, handles
    gc.collect()
    assert _open_spills() == [] and os.listdir(private_tmp) == []


class _Stop(Exception):
    pass


class _StopAfterThree:
    def start(self, total: int) -> None:
        pass

    def office_done(self, outcome: OfficeOutcome, done: int, total: int) -> None:
        if done == 3:
            raise _Stop

    def finish(self) -> None:
        pass


@pytest.mark.parametrize("jobs", [1, 2])
def test_no_spill_file_remains_after_a_run_that_fails_half_way(private_tmp: Path, tmp_path: Path, jobs: int) -> None:
    folder = make_district(tmp_path / "2024")
    with pytest.raises(_Stop):
        build_paths([folder], out_dir=tmp_path / "out", jobs=jobs, reporter=_StopAfterThree())
    gc.collect()
    assert _open_spills() == [] and os.listdir(private_tmp) == []


class _FullDisk:
    """A temporary file on a full disk: every write (and the flush of what is buffered) fails with ENOSPC."""

    def seek(self, *args: object) -> int:
        return 0

    def tell(self) -> int:
        return 0

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    flush = close = lambda self: self.write(b"")  # noqa: E731 - the same failure


def test_a_full_temporary_folder_is_said_in_chinese_and_the_reports_already_written_stay(
        private_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spill = ReviewSpill()
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda **kwargs: _FullDisk())
    with pytest.raises(FileTrouble, match="各机关的结果（汇总和审阅用）无法写入临时文件夹 .*：磁盘已满。清理磁盘空间后再试；也可以用环境变量 TMPDIR"):
        spill.put([1, 2])
    spill.close()  # the failed flush of a file no longer wanted is not a second error
    folder = make_district(tmp_path / "2024")
    result = CliRunner().invoke(cli, ["build", str(folder), "-o", str(tmp_path / "out"), "-j", "1"])
    assert result.exit_code == 1 and "磁盘已满" in result.output and "程序内部错误" not in result.output
    # The run stops at the first office's outcome (kept in the temporary folder, batch.OutcomeStore); a report
    # already written is whole, and no half-written file is left.
    assert not list((tmp_path / "out").glob("*.tmp*"))


def test_the_outcomes_of_a_run_wait_on_disk_and_come_back_as_they_went_in(private_tmp: Path) -> None:
    from nianbao.batch import OutcomeStore, Status

    store = OutcomeStore()
    first = OfficeOutcome(Path("甲.yaml"), "甲.yaml", "甲街道", Status.BUILT, {"新收": 3}, review=b"\x80\x05K*.")
    store.append(first)
    store.append(OfficeOutcome(Path("乙.yaml"), "乙.yaml", "乙街道", Status.FAILED, note="错误：读不出"))
    assert len(store) == 2 and os.listdir(private_tmp) == []
    again = store[0]
    assert again is not first and again.figures == {"新收": 3} and isinstance(again.review, Spilled)
    assert again.review.load() == 42
    again.status, again.review = Status.FAILED, None  # a change counts once stored again
    assert store[0].status is Status.BUILT
    store[0] = again
    assert [(o.office, o.status, o.review) for o in store] == [("甲街道", Status.FAILED, None),
                                                                 ("乙街道", Status.FAILED, None)]
    assert [o.office for o in store[::-1]] == ["乙街道", "甲街道"]
    store.append(OfficeOutcome(Path("丙.yaml"), "丙.yaml", "丙街道", Status.BUILT, review=b"\x80\x05K\x07."))
    assert isinstance(store[2].review, Spilled)
    store.forget_review(2)  # used: dropped without storing the outcome again
    assert store[2].review is None and store[2].office == "丙街道"
    del store, again
    gc.collect()
    assert _open_spills() == []


def test_the_same_text_places_are_closed_once_the_district_outputs_are_written(private_tmp: Path,
                                                                               tmp_path: Path) -> None:
    from nianbao.review_page import write_district_outputs

    result = build_paths([make_district(tmp_path / "2024")], out_dir=tmp_path / "out", jobs=1)
    review = write_district_outputs(result, tmp_path / "out")
    assert review.repeats and result.page_written is not None
    assert len(_open_spills()) == 1  # the outcomes' file only (the run still reads them back for its summary)
    assert list(review.new_problems)  # the warnings are read from the outcomes, not from the closed places
