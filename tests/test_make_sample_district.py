"""tools/make_sample_district.py: help, number of offices, output folder; tracked files only when asked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nianbao import check_file

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "make_sample_district.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True, timeout=120)


def test_help_names_the_options() -> None:
    done = run("--help")
    assert done.returncode == 0
    assert "--offices" in done.stdout and "--output" in done.stdout and "--update-repository" in done.stdout


def test_writes_the_asked_number_of_balanced_offices(tmp_path: Path) -> None:
    done = run("--offices", "14", "--output", str(tmp_path / "区"))
    assert done.returncode == 0, done.stderr
    offices = sorted(p for p in (tmp_path / "区").glob("*.yaml") if p.name != "_共同.yaml")
    assert len(offices) == 14
    results = [check_file(p, defaults=[tmp_path / "区" / "_共同.yaml"]) for p in offices]
    assert [r.display for r in results if not r.ok] == []


def test_refuses_to_write_into_tracked_folders() -> None:
    before = (ROOT / "data" / "龙马潭区" / "2024" / "小市街道.yaml").stat().st_mtime_ns
    done = run("--output", str(ROOT / "data" / "龙马潭区" / "2024"))
    assert done.returncode == 2
    assert "不会改写；要改写版本库中的示例文件请用 --update-repository" in done.stderr
    assert (ROOT / "data" / "龙马潭区" / "2024" / "小市街道.yaml").stat().st_mtime_ns == before
