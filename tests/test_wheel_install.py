"""The package as a user gets it: a wheel built from this checkout, installed into a fresh virtual
environment, run from a folder outside the checkout, builds the seed office with the official template
that ships inside the package, and checks the result."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
REPORT = "安宁街道2024年政府信息公开工作年度报告.docx"


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NIANBAO_TEMPLATES", "VIRTUAL_ENV")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv holding the wheel built from this checkout."""
    work = tmp_path_factory.mktemp("wheel")
    build = shutil.copytree(ROOT, work / "src", ignore=shutil.ignore_patterns(".git", "out", "build", "*.egg-info",
                                                                             "__pycache__", ".*cache"))
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", ".", "-w", work / "dist", cwd=build)
    wheels = list((work / "dist").glob("nianbao-*.whl"))
    assert len(wheels) == 1
    venv.create(work / "venv", with_pip=True)
    bin_dir = work / "venv" / ("Scripts" if os.name == "nt" else "bin")
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", wheels[0], cwd=work)
    return bin_dir


def test_wheel_builds_and_checks_the_seed_from_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    data = tmp_path / "数据"
    data.mkdir()
    for name in ("安宁街道.yaml", "_共同.yaml"):
        shutil.copy(DISTRICT / name, data / name)
    run(installed / "nianbao", "build", "数据", "-o", "输出", cwd=tmp_path)
    report = tmp_path / "输出" / REPORT
    assert report.is_file()
    checked = run(installed / "nianbao", "check", report, cwd=tmp_path)
    assert f"输出/{REPORT}：检查通过（0 个错误，0 个警告）" in checked.stdout + checked.stderr
    where = run(installed / "python", "-c", "import nianbao.spec as s; print(s.templates_root())", cwd=tmp_path)
    assert "site-packages" in where.stdout and str(ROOT) not in where.stdout
