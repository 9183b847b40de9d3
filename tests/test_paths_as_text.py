"""The path look-ups asked for every office, made on texts instead of Path objects (spec.resolved_text,
spec.resolve_template, district.previous_year_path): the same answers as the pathlib versions they
replace, kept here as the reference."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nianbao import spec as spec_module
from nianbao.district import previous_year_path
from nianbao.errors import TemplateTrouble
from nianbao.spec import resolve_template, resolved_path, resolved_text, templates_root


def _resolved_path_by_pathlib(path: Path) -> Path:
    text = os.fspath(path)
    if ".." in text:
        return Path(os.path.realpath(text))
    absolute = os.path.abspath(text)
    folder, name = os.path.split(absolute)
    if not name or os.path.islink(absolute):
        return Path(os.path.realpath(absolute))
    return Path(os.path.join(os.path.realpath(folder), name))


def _resolve_template_by_pathlib(name_or_path, base=None) -> Path:
    if name_or_path is None:
        name_or_path = spec_module.DEFAULT_TEMPLATE
    candidate = Path(name_or_path)
    if not candidate.is_absolute() and base is not None:
        for beside in (base / candidate, base / "templates" / candidate):
            if beside.is_dir():
                return beside.resolve()
    if candidate.is_dir():
        return candidate.resolve()
    named = templates_root() / str(name_or_path)
    if named.is_dir():
        return _resolved_path_by_pathlib(named)
    raise TemplateTrouble("missing")


def _previous_year_path_by_pathlib(path: Path, year: str) -> Path | None:
    import re

    folder = _resolved_path_by_pathlib(path.parent)
    if not re.fullmatch(r"\d{4}", year) or folder.name != year:
        return None
    return folder.parent / str(int(year) - 1) / path.name


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "区" / "2024").mkdir(parents=True)
    (tmp_path / "区" / "2024" / "a.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "区" / "templates" / "mine").mkdir(parents=True)
    (tmp_path / "区" / "own").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "区" / "2024")
    (tmp_path / "file.yaml").symlink_to(tmp_path / "区" / "2024" / "a.yaml")
    monkeypatch.chdir(tmp_path / "区")
    return tmp_path


def _paths(tmp: Path) -> list[str]:
    return ["2024/a.yaml", "./2024/a.yaml", "2024//a.yaml", "../link/a.yaml", str(tmp / "link" / "a.yaml"),
            str(tmp / "file.yaml"), "../file.yaml", "2024", ".", "..", "", "/", "//", "//etc", str(tmp) + "/",
            "nowhere/x.yaml", "2024/../2024/a.yaml", "数据 文件.yaml", "/etc/hostname"]


def test_resolved_text_is_resolved_path(tree: Path) -> None:
    for path in _paths(tree):
        expected = _resolved_path_by_pathlib(Path(path))
        assert resolved_text(path) == str(expected), path
        assert resolved_text(Path(path)) == str(expected), path
        assert resolved_path(Path(path)) == expected, path


def test_resolve_template_finds_what_pathlib_found(tree: Path) -> None:
    names = ["official-2021", "mine", "own", "templates/mine", "./own", "own/", "", ".", str(tree / "区" / "own"),
             "../区/own", None, "no-such-template", "official-2021/", "a\x00b"]
    for base in (None, tree / "区", Path("."), tree / "link", tree / "nowhere"):
        for name in names:
            try:
                expected: Path | str = _resolve_template_by_pathlib(name, base)
            except (TemplateTrouble, ValueError):
                expected = "trouble"
            try:
                found: Path | str = resolve_template(name, base=base)
            except (TemplateTrouble, ValueError):
                found = "trouble"
            assert found == expected, (name, base)


def test_previous_year_path_is_the_pathlib_answer(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in (tree / "区", tree / "区" / "2024", tree / "link", Path("/")):
        monkeypatch.chdir(folder)
        for path in ["a.yaml", "2024/a.yaml", "../2024/a.yaml", str(tree / "link" / "a.yaml"), "/a.yaml",
                     "x/2024/a.yaml", "../link/b.yaml"]:
            for year in ("2024", "2023", "24", "２０２４", ""):
                assert previous_year_path(Path(path), year) == _previous_year_path_by_pathlib(Path(path), year), (
                    folder, path, year)
