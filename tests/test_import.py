"""`import`: a published report (.docx or flattened text) → a data file that builds the same report."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from nianbao import FileTrouble, build_file, import_report
from nianbao.cli import cli
from nianbao.report_reader import full_width_punctuation

from .conftest import SEED_DATA, SEED_TEXT
from .handmade import make_report


def body_lines(text: str) -> list[str]:
    """A data file without its leading comment lines (those name where it came from)."""
    lines = text.splitlines()
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    return lines


def reader_view(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    """What a reader sees: every non-empty paragraph and every table's cells (merged cells once a row)."""
    document = Document(str(path))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    tables = []
    for table in document.tables:
        rows = []
        for row in table.rows:
            seen, texts = set(), []
            for cell in row.cells:
                if id(cell._tc) not in seen:
                    seen.add(id(cell._tc))
                    texts.append(cell.text)
            rows.append(texts)
        tables.append(rows)
    return paragraphs, tables


@pytest.fixture(scope="module")
def seed_built(tmp_path_factory) -> Path:
    _, target = build_file(SEED_DATA, out_dir=tmp_path_factory.mktemp("seed"))
    return target


@pytest.mark.parametrize("source", ["text", "docx"])
def test_import_gives_the_seed_data_file_and_builds_the_same_report(source, seed_built, tmp_path):
    given = SEED_TEXT if source == "text" else seed_built
    result = import_report(given, tmp_path / "安宁街道.yaml")
    assert result.problems == [] and result.data_problems == []
    written = (tmp_path / "安宁街道.yaml").read_text(encoding="utf-8")
    assert body_lines(written) == body_lines(SEED_DATA.read_text(encoding="utf-8"))
    _, rebuilt = build_file(tmp_path / "安宁街道.yaml", out_dir=tmp_path / "out")
    assert reader_view(rebuilt) == reader_view(seed_built)


def test_import_keeps_a_non_standard_opening_and_reports_what_it_cannot_place(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = SEED_TEXT.read_text(encoding="utf-8")
    text = "附件1\n" + text.replace("如有疑问请与", "如对本报告有疑问，请与") + "\n"
    text = text.replace("行政事业性收费 | 0 |", "行政事业性收费 | 无 |")
    source = tmp_path / "seed.txt"
    source.write_text(text, encoding="utf-8")
    result = import_report(source, tmp_path / "out.yaml")
    assert [p.format().split("\n")[0] for p in result.problems] == [
        "seed.txt:1 警告：标题之前的文字“附件1”不属于报告的任何部分，已略过",
        "seed.txt:33 错误：表二「第二十条第（八）项 行政事业性收费」行「本年收费金额（单位：万元）」栏写的是“无”",
    ]
    written = (tmp_path / "out.yaml").read_text(encoding="utf-8")
    assert "开头说明: |\n  本报告根据《中华人民共和国政府信息公开条例》规定编制。" in written
    assert "如对本报告有疑问，请与安宁街道党建办联系。（地址：泸州市龙马潭区安宁街道二段134号；" in written
    # Never a guessed 0: the number is written as the placeholder, and check lists the row once as a to-do.
    assert "    # 导入时这一行有无法读取的数，写作“【待补】”：请对照原报告填写\n    行政事业性收费: 【待补】" in written
    assert [(p.rule, p.is_error) for p in result.data_problems] == [("待补", False)]


def test_import_handmade_docx_reads_numbers_and_facts(tmp_path):
    source = make_report(tmp_path / "南城街道.docx", t4=[1, 0, 0, 0, 1] + [0] * 10,
                         part1=("主动公开政府信息。", "被申请行政复议1件。"))
    result = import_report(source, tmp_path / "南城街道.yaml")
    written = (tmp_path / "南城街道.yaml").read_text(encoding="utf-8")
    assert "  地区: 泸州市江阳区\n  机关: 南城街道\n  年度: 2024\n  公开网站: 江阳区人民政府门户网站\n" in written
    assert "  行政复议: [1, 0, 0, 0, 1]\n" in written
    assert "  （二）依申请公开: |\n    被申请行政复议1件。\n" in written
    assert [p.format() for p in result.data_problems] == []


def test_import_never_overwrites_without_force(tmp_path):
    target = tmp_path / "安宁街道.yaml"
    target.write_text("# 手工写的\n", encoding="utf-8")
    with pytest.raises(FileTrouble) as info:
        import_report(SEED_TEXT, target)
    assert "已存在，为免覆盖未写入；确认要替换它，请加 --force" in info.value.message
    assert target.read_text(encoding="utf-8") == "# 手工写的\n"
    import_report(SEED_TEXT, target, force=True)
    assert "基本信息:" in target.read_text(encoding="utf-8")


def test_cli_import(tmp_path):
    runner = CliRunner()
    out = tmp_path / "a.yaml"
    first = runner.invoke(cli, ["import", str(SEED_TEXT), "-o", str(out)], prog_name="nianbao")
    assert first.exit_code == 0
    assert first.stdout.startswith(f"已导入：{out}（无法放入的内容 0 处，数据检查 0 个错误、0 个警告）")
    assert "导入记分：表格数字读出 200/200，基本信息找到 8/8，部分找到 6/6，无法放入的文字或表格行 0 处\n" in first.stdout
    again = runner.invoke(cli, ["import", str(SEED_TEXT), "-o", str(out)], prog_name="nianbao")
    assert again.exit_code == 1 and "请加 --force" in again.stderr


@pytest.mark.parametrize(
    ("half", "full"),
    [
        ("全文包括总体情况,主动公开政府信息情况", "全文包括总体情况，主动公开政府信息情况"),
        ("(地址:泸州市;邮编:646000)", "（地址：泸州市；邮编：646000）"),
        ("网站(http://www.a.gov.cn)公开", "网站（http://www.a.gov.cn）公开"),
        ("共1,000件,12:30前", "共1,000件，12:30前"),
        ("no chinese, here: (kept)", "no chinese, here: (kept)"),
    ],
)
def test_half_width_punctuation_of_text_reports(half, full):
    assert full_width_punctuation(half) == full
