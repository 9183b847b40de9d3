"""The bad-input corpus: every file in tests/bad_inputs/ through the CLI, with its expected exit code and
message (tests/bad_inputs/expected.yaml). No traceback, and nothing written when the run fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from nianbao.cli import cli

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))["cases"]


def test_every_corpus_file_has_an_expectation_and_the_corpus_is_large_enough():
    files = {p.name for p in CORPUS.iterdir() if p.name != "expected.yaml"}
    assert files == set(EXPECTED)
    assert len(files) >= 50


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input(name, tmp_path, monkeypatch):
    case = EXPECTED[name]
    monkeypatch.chdir(tmp_path)
    shutil.copy(CORPUS / name, tmp_path / name)
    outputs = {"build": ["-o", "out"], "import": ["-o", "导入.yaml"]}
    args = [case["command"], name] + case.get("args", outputs.get(case["command"], []))
    result = CliRunner().invoke(cli, args, prog_name="nianbao")
    shown = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in shown and "程序内部错误" not in shown
    assert result.exit_code == case["exit"], shown
    fragments = case["message"] if isinstance(case["message"], list) else [case["message"]]
    for fragment in fragments:
        assert fragment in shown
    written = sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and p.name != name)
    if case["exit"] != 0 or case["command"] == "check":
        assert written == [], f"{name}: wrote {written}"
