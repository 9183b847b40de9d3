"""Every sample office, built by nianbao, reads back from its own .docx clean: same numbers, no problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nianbao import build_paths, check_document, check_file

from .conftest import ROOT

DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
OFFICES = sorted(p for p in DISTRICT.glob("*.yaml") if not p.name.startswith("_"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Data and reports side by side, as a district keeps them: the reports find their data relative to themselves.
    work = tmp_path_factory.mktemp("district")
    data = shutil.copytree(DISTRICT, work / "data" / "2024")
    out = work / "out"
    build_paths([data], out_dir=out, jobs=1)
    return out


@pytest.mark.parametrize("office", OFFICES, ids=[p.stem for p in OFFICES])
def test_built_report_checks_clean_and_has_the_data_numbers(built, office):
    data = check_file(office, defaults=[DISTRICT / "_共同.yaml"])
    assert data.report is not None
    [docx] = built.glob(f"{data.report.office}*.docx")
    result = check_document(docx)
    assert [p.format() for p in result.problems] == []
    assert result.report is not None
    for key, cell in data.report.cells.items():
        assert result.report.value(*key) == cell.value, key
