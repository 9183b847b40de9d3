"""The offices of a run are kept compactly (batch.OfficeJobs: each office as its folder's number and its file
name in UTF-8, one defaults tuple per folder), not as a list of Path objects held for the whole run; they come
back as the same OfficeJobs."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from nianbao.batch import OfficeJob, OfficeJobs, find_offices
from nianbao.district import DEFAULTS_FILE


def _folder(tmp_path: Path, name: str, count: int) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / DEFAULTS_FILE).write_text("基本信息:\n  地区: 示例区\n", encoding="utf-8")
    for number in range(count):
        (folder / f"示例{number:04d}街道.yaml").write_text("", encoding="utf-8")
    return folder


def _found(folder: Path) -> tuple[OfficeJobs, int, int]:
    """The offices found in `folder`, the bytes they hold and the peak while finding them (traced)."""
    tracemalloc.start()
    try:
        offices, _ = find_offices([folder])
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return offices, kept, peak


def test_found_offices_come_back_as_the_jobs_they_were(tmp_path: Path) -> None:
    one, two = _folder(tmp_path, "一区", 3), _folder(tmp_path, "二区", 2)
    offices, from_folder = find_offices([one, two / "示例0001街道.yaml"])
    assert isinstance(offices, OfficeJobs) and from_folder
    expected = [OfficeJob(one / f"示例{n:04d}街道.yaml", (one / DEFAULTS_FILE,)) for n in range(3)]
    expected.append(OfficeJob(two / "示例0001街道.yaml", (two / DEFAULTS_FILE,)))
    assert list(offices) == expected and offices == expected
    assert offices[1] == expected[1] and offices[-1] == expected[-1]
    assert offices[1:3] == expected[1:3]
    assert offices[0].defaults is offices[2].defaults  # one tuple per folder
    assert len(offices) == 4


def test_the_offices_of_a_run_cost_little_memory_each(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "大区", 400)
    offices, kept, _ = _found(folder)
    assert len(offices) == 400
    # As a list of OfficeJob with Path objects this was about 700 bytes an office (and the path's text).
    assert kept / len(offices) < 450 + 2 * len(str(folder))


def test_the_offices_cost_the_same_whatever_the_length_of_their_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "很长的文件夹名" * 10, 400)
    offices, kept, _ = _found(folder)
    assert len(offices) == 400 and offices[399].path == folder / "示例0399街道.yaml"
    # The folder once, each name in UTF-8 (22 bytes here) and three numbers: not the text of each path
    # (some 130 bytes and more with a long folder).
    assert kept / len(offices) < 120


def test_any_path_comes_back_as_it_was_given() -> None:
    odd = [Path("a.yaml"), Path("/a.yaml"), Path("//srv/区/a.yaml"), Path("x/y/z.yaml"), Path("."), Path("/"),
           Path(os.fsdecode(b"/srv/\xff" + "名称.yaml".encode())), Path("/tmp/数据/示例.yaml")]  # not UTF-8
    jobs = OfficeJobs()
    for path in odd:
        jobs.append(OfficeJob(path))
    assert [job.path for job in jobs] == odd and [str(job.path) for job in jobs] == [str(p) for p in odd]
    assert jobs[-1] == OfficeJob(odd[-1]) and jobs[-len(odd)] == OfficeJob(odd[0])
    for bad in (len(odd), -len(odd) - 1):
        with pytest.raises(IndexError):
            jobs[bad]


def test_finding_the_offices_of_a_folder_does_not_hold_a_path_object_per_office(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "大区", 400)
    offices, _, peak = _found(folder)
    assert len(offices) == 400
    # The peak while finding them, not only what is kept: with a sorted list of Path objects and a set of
    # resolved Paths this was about 1 KB an office (5 MB at 5,000 offices, freed but left in the arenas).
    assert peak / len(offices) < 400 + 2 * len(str(folder))


def test_a_file_named_twice_is_one_office_where_it_first_came(tmp_path: Path) -> None:
    one, two = _folder(tmp_path, "一区", 3), _folder(tmp_path, "二区", 2)
    (two / "链接街道.yaml").symlink_to(one / "示例0001街道.yaml")  # the same file under another name
    offices, _ = find_offices([two / "示例0001街道.yaml", one, one / "示例0002街道.yaml", two])
    assert [job.path for job in offices] == [
        two / "示例0001街道.yaml", *(one / f"示例{n:04d}街道.yaml" for n in range(3)), two / "示例0000街道.yaml",
    ]
    assert offices[0].defaults == (two / DEFAULTS_FILE,) and offices[1].defaults == (one / DEFAULTS_FILE,)
