"""How the review page names a place and links a report: a file's name without its folders (the page is
shared), worked out once per file however many places name it."""

from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.problems import Location
from nianbao.review_page import _file_shown, _links, _where
from nianbao.spec import resolved_path


@pytest.mark.parametrize(
    ("file", "line", "shown"),
    [
        ("红星街道.yaml", 14, "红星街道.yaml:14"),
        ("/srv/区/2024/红星街道.yaml", 3, "红星街道.yaml:3"),
        ("2024/红星街道.yaml 表二", 0, "红星街道.yaml 表二"),
        ("/srv/区/2024/红星街道.docx 第5段 附注", 7, "红星街道.docx 第5段 附注:7"),
        ("红星街道.yaml", 0, "红星街道.yaml"),
    ],
)
def test_a_place_is_shown_by_its_file_name_and_line(file: str, line: int, shown: str) -> None:
    assert _where(Location(file, line)) == shown


def test_the_places_of_one_file_take_its_name_apart_once() -> None:
    _file_shown.cache_clear()
    for line in range(1, 51):
        _where(Location("/srv/区/2024/双加镇.yaml", line))
    info = _file_shown.cache_info()
    assert (info.misses, info.hits) == (1, 49)


def test_links_are_relative_to_the_resolved_page_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    report = out / "sub" / "红星街道2024年报告.docx"
    report.write_bytes(b"x")
    report.with_suffix(".pdf").write_bytes(b"x")
    links = _links(report, resolved_path(out))
    assert links == ('<a href="sub/%E7%BA%A2%E6%98%9F%E8%A1%97%E9%81%932024%E5%B9%B4%E6%8A%A5%E5%91%8A.docx">Word</a> '
                     '<a href="sub/%E7%BA%A2%E6%98%9F%E8%A1%97%E9%81%932024%E5%B9%B4%E6%8A%A5%E5%91%8A.pdf">PDF</a>')
    assert _links(out / "没有.docx", resolved_path(out)) == '<span class="none">未生成</span>'
