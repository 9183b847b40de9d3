"""The review page's links to each office's report and PDF: relative to the page's resolved folder, made
from text paths (review_page._links), the same whichever way the folder was named."""

from __future__ import annotations

import os
from pathlib import Path

from nianbao.review_page import _links
from nianbao.spec import resolved_text


def test_links_to_the_report_and_its_pdf_relative_to_the_page(tmp_path: Path) -> None:
    out = tmp_path / "输出"
    (out / "子 文件夹").mkdir(parents=True)
    report = out / "子 文件夹" / "甲街道2024年报告.docx"
    report.write_bytes(b"docx")
    folder = resolved_text(out)
    assert _links(report, folder) == '<a href="%E5%AD%90%20%E6%96%87%E4%BB%B6%E5%A4%B9/%E7%94%B2%E8%A1%97%E9%81%93' \
        '2024%E5%B9%B4%E6%8A%A5%E5%91%8A.docx">Word</a>'
    report.with_suffix(".pdf").write_bytes(b"pdf")
    assert _links(report, folder).endswith('2024%E5%B9%B4%E6%8A%A5%E5%91%8A.pdf">PDF</a>')
    # The report named through a symlinked folder: still relative to the resolved page folder.
    os.symlink(out, tmp_path / "链接")
    assert _links(tmp_path / "链接" / "子 文件夹" / report.name, folder) == _links(report, folder)


def test_no_report_says_not_built(tmp_path: Path) -> None:
    assert _links(None, str(tmp_path)) == '<span class="none">未生成</span>'
    assert _links(tmp_path / "没有.docx", str(tmp_path)) == '<span class="none">未生成</span>'
