"""click's own messages reach users (bad options, unreadable paths, values out of range): every message click can
show a user of nianbao's command line is translated. The message ids are read from click's installed source, so a
future click that adds a message fails here until it is translated or named below as one no user can meet."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao import zh_click
from nianbao.cli import cli

# Messages only a programmer of a command line can meet (a wrong declaration, an editor or shell completion nianbao
# does not use); nianbao's own command line never shows them.
PROGRAMMER_ONLY = {
    "d",  # click's editor helper, not a message
    "{editor}: Editing failed",
    "{editor}: Editing failed: {e}",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Could not determine name for option with declarations {decls!r}",
    "Name '{name}' defined twice",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? Did you mean to "
    "pass '--{name}'?",
    "%(prog)s, version %(version)s",  # nianbao passes its own version message
    "Couldn't detect Bash version, shell completion is not supported.",
    "Shell completion is not supported for Bash versions older than 4.4.",
    "Unknown color {colour!r}",
    "Unknown standard stream '{name}'",
    "Choice({choices})",  # a type's repr
}

MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "_parser", "termui", "types", "utils",
           "shell_completion", "_termui_impl")


def _click_messages() -> set[str]:
    found: set[str] = set()
    for name in MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:
            continue
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                found.update(arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return found


def test_every_message_click_can_show_a_user_is_translated() -> None:
    messages = _click_messages()
    assert len(messages) > 40  # the scan found click's messages at all
    untranslated = sorted(m for m in messages - PROGRAMMER_ONLY if zh_click.translate(m) == m)
    assert untranslated == []


def test_the_translations_keep_click_s_placeholders() -> None:
    for english, chinese in zh_click._EXACT.items():
        assert sorted(re.findall(r"\{[^}]*\}|%\(\w+\)s", chinese)) == sorted(
            re.findall(r"\{[^}]*\}|%\(\w+\)s", english)), english


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_jobs_out_of_range_is_said_in_chinese() -> None:
    code, output = _run("build", "-j", "0", "x.yaml")
    assert code == 2 and "0 不在 x>=1 范围内。" in output and "range" not in output


def test_an_unreadable_path_is_said_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # Data files are not checked by click (readable=False: nianbao's reader says it, with cause and advice;
    # tests/test_os_errors.py); an output folder still is.
    office = Path("安宁街道.yaml")
    office.write_text("x: 1\n", encoding="utf-8")
    out = Path("报告")
    out.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if Path(path) in (office, out) else real(path, mode, **kw))
    code, output = _run("build", str(office), "-o", str(out))
    assert code == 2 and "'报告' 没有读取权限" in output and "安宁街道" not in output
    assert "readable" not in output and "not " not in output


@pytest.mark.parametrize("command", ["check", "build", "form"])
def test_a_data_file_is_read_by_nianbao_not_checked_by_click(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             command: str) -> None:
    # click's readable check (os.access) would refuse it with a usage error (exit 2) before nianbao's reader
    # could say why, with the cause and what to do.
    monkeypatch.chdir(tmp_path)
    office = Path("安宁街道.yaml")
    office.write_text("x: 1\n", encoding="utf-8")
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if Path(path) == office else real(path, mode, **kw))
    code, output = _run(command, str(office))
    assert code != 2 and "没有读取权限" not in output, output
