"""A shared defaults file is parsed once per process, but a changed file is read again."""

from __future__ import annotations

import os

from nianbao import check_file

from .conftest import ROOT

DISTRICT = ROOT / "data" / "龙马潭区" / "2024"


def test_a_changed_defaults_file_is_read_again(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shared = tmp_path / "_共同.yaml"
    office = tmp_path / "红星街道.yaml"
    office.write_text((DISTRICT / "红星街道.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    text = (DISTRICT / "_共同.yaml").read_text(encoding="utf-8")
    shared.write_text(text, encoding="utf-8")
    first = check_file(office, defaults=[shared]).report
    assert first is not None and first.facts["网址"] == "www.longmatan.gov.cn"

    shared.write_text(text.replace("www.longmatan.gov.cn", "www.example.gov.cn"), encoding="utf-8")
    stamp = shared.stat()
    os.utime(shared, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000))  # a later edit, same second or not
    second = check_file(office, defaults=[shared]).report
    assert second is not None and second.facts["网址"] == "www.example.gov.cn"
