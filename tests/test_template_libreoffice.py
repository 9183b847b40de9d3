"""A custom template made the way a user makes one: the official template re-saved by LibreOffice, a
letterhead paragraph and a `{{ 机关 }}` page header added. It passes `template check`, builds every sample
office, and the reports check clean (no false edit, no template warning); import reads them back with the
template's wording. A changed template is said once."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from nianbao.cli import cli

from .conftest import ROOT
from .debian import LIBREOFFICE, needs_debian

SAMPLES = ROOT / "data" / "龙马潭区" / "2024"
OFFICIAL = ROOT / "templates" / "official-2021"
LETTERHEAD = "泸州市龙马潭区人民政府办公室"
HEADER = "{{ 机关 }}政府信息公开工作年度报告"

pytestmark = needs_debian(*LIBREOFFICE)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def resave(docx: Path, out_dir: Path, profile: Path) -> Path:
    """The file as LibreOffice writes it back (headless, a private profile)."""
    done = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "docx",
         "--outdir", str(out_dir), str(docx)],
        capture_output=True, text=True, timeout=300,
    )
    target = out_dir / docx.name
    assert done.returncode == 0 and target.is_file(), done.stderr
    return target


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample district with the custom template in its templates/ folder."""
    root = tmp_path_factory.mktemp("lo-template")
    resaved = resave(OFFICIAL / "template.docx", root / "resaved", root / "profile")
    document = Document(str(resaved))
    document.paragraphs[0].insert_paragraph_before(LETTERHEAD)
    header = document.sections[0].header
    header.is_linked_to_previous = False
    header.paragraphs[0].text = HEADER
    folder = root / "2024"
    shutil.copytree(SAMPLES, folder)
    template = folder / "templates" / "区模板"
    template.mkdir(parents=True)
    document.save(str(template / "template.docx"))
    (template / "模板.yaml").write_text("上级模板: official-2021\n名称: 区模板\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(district: Path) -> Path:
    out = district.parent / "out"
    result = run("build", str(district), "-t", str(district / "templates" / "区模板"), "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_the_resaved_template_passes_template_check(district):
    result = run("template", "check", str(district / "templates" / "区模板"))
    assert result.exit_code == 0, result.output
    assert "没有发现问题" in result.output


def test_every_sample_office_builds_with_letterhead_and_page_header(built):
    offices = sorted(p.stem for p in SAMPLES.glob("*.yaml") if not p.name.startswith("_"))
    reports = sorted(built.glob("*.docx"))
    assert len(reports) == len(offices) == 13
    for report in reports:
        document = Document(str(report))
        assert document.paragraphs[0].text == LETTERHEAD
        office = report.name.split("2024年")[0]
        assert document.sections[0].header.paragraphs[0].text == f"{office}政府信息公开工作年度报告"
        with zipfile.ZipFile(report) as z:
            fonts = z.read("word/fontTable.xml").decode("utf-8")
        # LibreOffice dropped the fallbacks of the official fonts; the build puts them back.
        assert '<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>' in fonts


def test_the_reports_check_clean_without_false_edits_or_template_warnings(built):
    result = run("check", *sorted(str(p) for p in built.glob("*.docx")))
    assert result.exit_code == 0, result.output
    assert " 警告：" not in result.output and " 错误：" not in result.output, result.output
    assert result.output.count("检查通过（0 个错误，0 个警告）") == 13, result.output
    assert "共 13 个机关：检查通过 13" in result.output


def test_import_reads_the_report_back_with_its_template(built, district):
    report = next(built.glob("安宁街道2024*.docx"))
    target = district / "导入.yaml"
    result = run("import", str(report), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "无法放入的内容 0 处，数据检查 0 个错误、0 个警告" in result.output
    assert "\n模板: 区模板\n" in target.read_text(encoding="utf-8")
    target.unlink()


def test_a_changed_template_is_said_once_and_precisely(built, district):
    report = built / "安宁街道-副本.docx"  # beside the original: the recorded data paths stay right
    shutil.copy(next(built.glob("安宁街道2024*.docx")), report)
    template = district / "templates" / "区模板" / "template.docx"
    saved = template.read_bytes()
    try:
        document = Document(str(template))
        document.paragraphs[0].text = "泸州市龙马潭区人民政府"
        document.save(str(template))
        result = run("check", str(report))
    finally:
        template.write_bytes(saved)
        report.unlink()
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if " 警告：" in line]
    assert warnings == [
        f"{report} 警告：生成这份报告之后模板「区模板」更新过，固定文字的不同可能来自模板；"
        f"标题之前的“{LETTERHEAD}”是原模板的文字"
    ], result.output


def test_a_report_whose_template_is_gone_says_so(built, district):
    report = built / "安宁街道-无模板.docx"
    shutil.copy(next(built.glob("安宁街道2024*.docx")), report)
    folder = district / "templates" / "区模板"
    hidden = district / "区模板-移走"
    folder.rename(hidden)
    try:
        result = run("check", str(report))
    finally:
        hidden.rename(folder)
        report.unlink()
    assert "找不到生成这份报告所用的模板「区模板」" in result.output
