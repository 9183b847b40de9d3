"""Hostile input and faults found by trying the installed CLI as a careless clerk would (issue 10,
independent verification): each case its own test."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from nianbao.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DISTRICT = ROOT / "data" / "龙马潭区" / "2024"


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), prog_name="nianbao")
    shown = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in shown and "程序内部错误" not in shown, shown
    return result


def test_the_summary_is_printed_when_the_review_page_cannot_be_written(tmp_path):
    out = tmp_path / "out"
    (out / "index.html").mkdir(parents=True)  # the page's path is taken by a folder (or the disk is full)
    result = run("build", str(DISTRICT), "-o", str(out), "-j", "1")
    assert result.exit_code == 1, result.output
    assert "已生成" in result.stdout and "合计" in result.stdout  # the summary table
    assert "index.html：路径是文件夹" in result.stderr
    assert "审阅页：" not in result.stdout
    assert (out / "年报汇总.xlsx").is_file()


def test_path_options_of_the_wrong_kind_are_said_in_chinese(tmp_path):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    result = run("build", str(DISTRICT / "安宁街道.yaml"), "-o", str(tmp_path / "a-file"))
    assert result.exit_code == 2 and "文件夹 " in result.stderr and "是文件，不是文件夹" in result.stderr
    assert "Directory" not in result.stderr
    result = run("build", str(DISTRICT / "安宁街道.yaml"), "-o", str(tmp_path / "out"),
                 "--rollup", str(tmp_path / "a-folder"))
    assert result.exit_code == 2 and "是文件夹，不是文件" in result.stderr and "File " not in result.stderr
    assert not (tmp_path / "out").exists()
