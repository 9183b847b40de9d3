"""`nianbao build --pdf`: PDFs beside the .docx files from one LibreOffice run, or a hint when it is missing."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.cli import cli
from nianbao.pdf import INSTALL_HINT, SOFFICE_SETTING, convert_to_pdf, find_soffice

from .conftest import ROOT, SEED_DATA
from .debian import LIBREOFFICE, needs_debian

DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
SECOND = DISTRICT / "双加镇.yaml"
SEED_DOCX = "安宁街道2024年政府信息公开工作年度报告.docx"

# A stand-in for soffice: records its command line, writes a PDF for every input it is given into
# --outdir, except for inputs listed in the FAKE_SOFFICE_REFUSE file (as a real failure would).
FAKE_SOFFICE = """#!{python}
import os, sys
from pathlib import Path
log = Path(os.environ["FAKE_SOFFICE_LOG"])
log.write_text(log.read_text() + repr(sys.argv[1:]) + "\\n" if log.exists() else repr(sys.argv[1:]) + "\\n")
args = sys.argv[1:]
outdir = Path(args[args.index("--outdir") + 1])
outdir.mkdir(parents=True, exist_ok=True)
refuse = int(os.environ.get("FAKE_SOFFICE_REFUSE", "-1"))
for index, name in enumerate(a for a in args if a.endswith(".docx")):
    if index != refuse:
        (outdir / (Path(name).stem + ".pdf")).write_bytes(b"%PDF-1.4 fake of " + Path(name).name.encode())
    else:
        print("Error: source file could not be loaded", file=sys.stderr)
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="nianbao")


@pytest.fixture
def fake_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    program = tmp_path / "bin" / "soffice"
    program.parent.mkdir()
    program.write_text(FAKE_SOFFICE.format(python=sys.executable), encoding="utf-8")
    program.chmod(0o755)
    log = tmp_path / "soffice.log"
    monkeypatch.setenv(SOFFICE_SETTING, str(program))
    monkeypatch.setenv("FAKE_SOFFICE_LOG", str(log))
    return log


def test_without_libreoffice_docx_is_written_and_a_chinese_hint_shown(tmp_path, monkeypatch):
    monkeypatch.delenv(SOFFICE_SETTING, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no soffice anywhere on PATH
    result = run("build", "--pdf", str(SEED_DATA), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert (tmp_path / "out" / SEED_DOCX).is_file()
    assert list((tmp_path / "out").glob("*.pdf")) == []
    assert f"提示：{INSTALL_HINT}" in result.stderr.splitlines()
    assert "sudo apt-get install libreoffice-writer-nogui" in INSTALL_HINT
    assert "Word/WPS" in INSTALL_HINT and "另存为 PDF" in INSTALL_HINT


def test_setting_pointing_nowhere_means_not_installed(monkeypatch):
    monkeypatch.setenv(SOFFICE_SETTING, "/nonexistent/soffice")
    assert find_soffice() is None


def test_whole_batch_is_converted_in_one_office_suite_call(tmp_path, fake_soffice):
    result = run("build", "--pdf", str(SEED_DATA), str(SECOND), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    calls = fake_soffice.read_text().splitlines()
    assert len(calls) == 1
    call = ast.literal_eval(calls[0])  # the argv list written by repr()
    assert "--headless" in call and call[call.index("--convert-to") + 1].startswith("pdf")
    assert any(a.startswith("-env:UserInstallation=file://") for a in call)  # private profile
    assert sum(a.endswith(".docx") for a in call) == 2
    for docx in (tmp_path / "out").glob("*.docx"):
        pdf = docx.with_suffix(".pdf")
        assert pdf.read_bytes().startswith(b"%PDF"), pdf
        assert f"已生成：{pdf}" in result.stdout.splitlines()
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 2
    assert not list((tmp_path / "out").glob(".*.tmp"))  # atomic writes left nothing behind


def test_a_report_libreoffice_cannot_convert_exits_1_and_keeps_the_others(tmp_path, fake_soffice, monkeypatch):
    monkeypatch.setenv("FAKE_SOFFICE_REFUSE", "0")
    out = tmp_path / "out"
    result = run("build", "--pdf", str(SEED_DATA), str(SECOND), "-o", str(out))
    assert result.exit_code == 1
    pdfs = sorted(p.name for p in out.glob("*.pdf"))
    assert len(pdfs) == 1
    refused = next(d for d in out.glob("*.docx") if not d.with_suffix(".pdf").exists())
    assert f"{refused} 错误：LibreOffice 未能把它转换为 PDF（Error: source file could not be loaded）" in (
        result.stderr.splitlines()
    )


def test_same_file_names_from_different_folders_do_not_collide(tmp_path, fake_soffice):
    a, b = tmp_path / "a" / "报告.docx", tmp_path / "b" / "报告.docx"
    for path in (a, b):
        path.parent.mkdir()
        path.write_bytes(b"docx")
    result = convert_to_pdf([a, b])
    assert result.written == [a.with_suffix(".pdf"), b.with_suffix(".pdf")]
    assert result.failed == []


def test_nothing_written_means_no_office_suite_call(fake_soffice):
    assert convert_to_pdf([]).written == []
    assert not fake_soffice.exists()


@needs_debian(*LIBREOFFICE)
def test_build_pdf_with_libreoffice(tmp_path, monkeypatch):
    monkeypatch.delenv(SOFFICE_SETTING, raising=False)
    result = run("build", "--pdf", str(SEED_DATA), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    pdf = tmp_path / SEED_DOCX.replace(".docx", ".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert result.stdout.splitlines()[-1] == f"已生成：{pdf}"
