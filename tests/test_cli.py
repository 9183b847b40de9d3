"""The command line: exit codes, Chinese messages on stderr, no tracebacks, help for every command."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from nianbao.cli import cli

from .conftest import ROOT, SEED_DATA


def run(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="nianbao")


def test_check_clean_file_exits_0(variant):
    result = run("check", str(variant.write()))
    assert result.exit_code == 0
    assert result.stderr == "安宁街道.yaml：检查通过（0 个错误，0 个警告）\n"


def test_check_unbalanced_file_exits_3_with_the_exact_line(variant):
    variant.replace("一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]",
                    "一、本年新收政府信息公开申请数量: [3, 0, 0, 0, 0, 0, 3]")
    variant.replace("未收到公民、组织、法人等提出的信息公开申请，", "")  # the text would contradict the table
    line = variant.line_of("一、本年新收")
    result = run("check", str(variant.write()))
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert f"安宁街道.yaml:{line} 错误：表三「自然人」列：第一项+第二项=3，第三项（七）总计+第四项=0" in lines
    assert lines[-1] == "安宁街道.yaml：未通过检查（2 个错误，0 个警告）"


def test_check_warnings_only_exits_0(variant):
    variant.replace("规章: [0, 0, 0]", "规章: [1, 0, 1]")
    result = run("check", str(variant.write()))
    assert result.exit_code == 0
    assert "警告：表二「规章」行" in result.stderr


def test_check_missing_file_exits_1(tmp_path):
    result = run("check", str(tmp_path / "没有.yaml"))
    assert result.exit_code == 1
    assert "错误：找不到这个文件" in result.stderr


def test_build_writes_the_report(variant, tmp_path):
    out = tmp_path / "报告"
    result = run("build", str(variant.write()), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    target = out / "安宁街道2024年政府信息公开工作年度报告.docx"
    assert target.is_file()
    assert result.stdout == f"已生成：{target}\n"


def test_build_refuses_a_file_with_errors_and_writes_nothing(variant, tmp_path):
    variant.replace("行政复议: [0, 0, 0, 0, 0]", "行政复议: [1, 0, 0, 0, 2]")
    out = tmp_path / "out"
    result = run("build", str(variant.write()), "-o", str(out))
    assert result.exit_code == 3
    assert "错误：表四「行政复议」：总计应为" in result.stderr
    assert "安宁街道.yaml 有错误，未生成报告（1 个错误）" in result.stderr
    assert not out.exists()


def test_build_yaml_syntax_error_exits_3(variant, tmp_path):
    variant.replace("  机关: 安宁街道", "  机关：安宁街道")
    result = run("build", str(variant.write()), "-o", str(tmp_path / "out"))
    assert result.exit_code == 3
    assert "安宁街道.yaml:7 错误：键和值之间用了全角冒号“：”" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--nope", "x.yaml"], "错误：没有这个选项：'--nope'。"),
        (["build"], "错误：缺少参数 '数据文件...'"),
        (["frobnicate"], "错误：没有这个命令：'frobnicate'。"),
    ],
)
def test_usage_errors_exit_2_in_chinese(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_unexpected_error_is_one_chinese_line_not_a_traceback(variant, monkeypatch):
    import nianbao.docx_check

    def boom(*args, **kwargs):
        raise RuntimeError("磁盘出错")

    monkeypatch.setattr(nianbao.docx_check, "check_any", boom)  # the check command imports it when it runs
    result = run("check", str(variant.write()))
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("错误：程序内部错误（RuntimeError: 磁盘出错）")


def commands():
    return sorted(cli.commands)


@pytest.mark.parametrize("name", commands())
def test_every_command_has_chinese_help_and_is_in_the_readme(name):
    command = cli.commands[name]
    assert command.help and any("\u4e00" <= c <= "\u9fff" for c in command.help)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"nianbao {name}" in readme


def test_installed_entry_point_runs(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "nianbao", "check", str(SEED_DATA)],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "检查通过" in completed.stderr


def test_the_collector_is_paused_while_the_command_line_is_imported_and_its_objects_frozen():
    """A start of `python -m nianbao` does not walk the objects its imports make, neither while they are made
    nor at every later collection (gc.freeze); worker processes importing __main__ keep the collector on."""
    script = (
        "import gc, sys\n"
        "import nianbao\n"
        "during = []  # collections while nianbao.cli is being imported (there, but without its main yet)\n"
        "def seen(phase, info):\n"
        "    cli = sys.modules.get('nianbao.cli')\n"
        "    during.append(cli is not None and not hasattr(cli, 'main'))\n"
        "gc.callbacks.append(seen)\n"
        "import nianbao.__main__\n"
        "print(sum(during), gc.isenabled(), gc.get_freeze_count() == 0)\n"
        "sys.argv = ['nianbao', '--version']\n"
        "try:\n"
        "    nianbao.__main__.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(gc.get_freeze_count() > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "0 True True", done.stdout  # no collection during the imports; collector back on
    assert lines[-1] == "True", done.stdout  # main froze what the imports made


def test_the_installed_command_starts_as_python_m_nianbao_does():
    """The `nianbao` command (the console script) enters through __main__, so it too has the collector paused
    while the command line is imported (it pointed at cli.main, which skipped that)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = project["project"]["scripts"]["nianbao"]
    assert target == "nianbao.__main__:main"
    from nianbao import code_cache

    installed = bool(code_cache._installed_in)
    import nianbao.__main__  # installs the code cache: the command line's process (taken back below)
    import nianbao.cli

    if not installed:  # later tests in this process see the standard library as a library caller does
        code_cache.uninstall()
    import dataclasses

    assert ("exec" in vars(dataclasses)) == installed
    assert nianbao.__main__.main is nianbao.cli.main


def test_a_one_office_run_does_not_load_the_summary_printer(tmp_path):
    """`nianbao build/check <one office>` prints no summary table: summary.py and form_layout.py (behind it)
    are loaded only when a table is printed; a folder run still prints it (tests above)."""
    office = SEED_DATA
    script = (
        "import sys\n"
        "from nianbao.cli import cli\n"
        "for args in (['check', sys.argv[1]], ['build', sys.argv[1], '-o', sys.argv[2]]):\n"
        "    try:\n"
        "        cli.main(args, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('nianbao.summary', 'nianbao.form_layout') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(office), str(tmp_path / "out")],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
    assert list((tmp_path / "out").glob("*.docx"))


def test_the_run_summary_file_name_is_the_summary_modules():
    from nianbao import batch, runs, summary

    assert runs.SUMMARY_FILE is summary.SUMMARY_FILE is batch.SUMMARY_FILE == "年报汇总.xlsx"
