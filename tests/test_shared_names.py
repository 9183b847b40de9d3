"""Files meant to be shared (the summary workbook 年报汇总.xlsx, the review page) name the data files relative
to the folder the run is about: never an absolute path, a user's or the temporary folder's name, nor `..`,
and the same text whatever the working directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from nianbao.cli import cli
from nianbao.importer import import_report
from nianbao.new_year import new_year_file
from nianbao.problems import Location
from nianbao.review_page import REVIEW_PAGE
from nianbao.source import SharedNames, command_name
from nianbao.summary import PROBLEMS_SHEET, SUMMARY_FILE, SUMMARY_SHEET

from .conftest import ROOT, SEED_TEXT

pytestmark = pytest.mark.skipif(os.sep != "/", reason="POSIX paths")

DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
COPYING = ROOT / "tests" / "fixtures" / "same-text" / "雷同街道.yaml"
UNBALANCED = ROOT / "tests" / "fixtures" / "broken-district" / "不平衡街道.yaml"


def names_of(*paths: str) -> SharedNames:
    names = SharedNames()
    for path in paths:
        names.add(path)
    return names


# --- the naming rule -----------------------------------------------------------------------------------------


def test_a_run_over_one_folder_names_its_files_by_their_names():
    names = names_of("/home/alice/区/2024/双加镇.yaml", "/home/alice/区/2024/安宁街道.yaml")
    assert names.folder == "/home/alice/区/2024"
    assert names.name("/home/alice/区/2024/双加镇.yaml") == "双加镇.yaml"
    assert names.name("/home/alice/区/2024/_共同.yaml") == "_共同.yaml"


def test_a_file_beside_the_runs_folder_is_named_from_its_parent_any_other_by_its_name_alone():
    names = names_of("/home/alice/区/2024/双加镇.yaml")
    assert names.name("/home/alice/区/2023/双加镇.yaml") == "2023/双加镇.yaml"  # last year's
    assert names.name("/srv/templates/official/report.docx") == "report.docx"
    assert names.name("/home/alice/区/2024/../../x.yaml") == "x.yaml"


def test_a_run_over_two_folders_names_each_file_with_its_folder():
    names = names_of("/d/区/2023/安宁街道.yaml", "/d/区/2024/安宁街道.yaml", "/d/区/2024/双加镇.yaml")
    assert names.folder == "/d/区"
    assert [names.name(f"/d/区/{year}/安宁街道.yaml") for year in ("2023", "2024")] == [
        "2023/安宁街道.yaml", "2024/安宁街道.yaml"]


def test_the_common_folder_is_a_whole_folder_not_a_common_prefix_of_the_text():
    names = names_of("/d/区/2024/a.yaml", "/d/区/2024b/b.yaml")
    assert names.folder == "/d/区"
    assert names.name("/d/区/2024b/b.yaml") == "2024b/b.yaml"


def test_names_do_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    folder = tmp_path / "区" / "2024"
    folder.mkdir(parents=True)
    shown = []
    for here in (tmp_path, folder, tmp_path / "区", Path("/")):
        monkeypatch.chdir(here)
        given = os.path.relpath(folder / "双加镇.yaml", here)  # the path as a user there types it
        names = names_of(given, os.path.relpath(folder / "安宁街道.yaml", here))
        shown.append((names.name(given), names.text(f"见 {given}:3 与（{folder / '安宁街道.yaml'}:9）")))
    assert shown == [("双加镇.yaml", "见 双加镇.yaml:3 与（安宁街道.yaml:9）")] * 4


def test_a_message_names_files_as_the_shared_file_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    names = names_of("data/区/2024/红星街道.yaml", "data/区/2024/雷同街道.yaml")
    here = os.getcwd()
    assert names.text("「导语」与雷同街道2024年「导语」（data/区/2024/雷同街道.yaml:14）的文字雷同") == (
        "「导语」与雷同街道2024年「导语」（雷同街道.yaml:14）的文字雷同")
    assert names.text(f"与上年（{here}/data/区/2023/红星街道.yaml:14）相同") == "与上年（2023/红星街道.yaml:14）相同"
    assert names.text("data/区/2024/红星街道.yaml、data/区/2024/雷同街道.yaml 同名") == (
        "红星街道.yaml、雷同街道.yaml 同名")
    # Any other absolute path, or a path climbing out with `..`, keeps only its last part.
    assert names.text("Word 模板 /srv/模板/official/report.docx 缺少表格") == "Word 模板 report.docx 缺少表格"
    assert names.text("找不到 ../../其他/甲.yaml，请检查") == "找不到 甲.yaml，请检查"
    # Not a path: left as it is.
    for text in ("依申请公开和/或主动公开", "第 1/2 项", "A / B", "a-b/c", "无斜杠的说明"):
        assert names.text(text) == text


def test_a_place_names_its_file_and_line_and_follows_a_change_of_file_or_folder():
    names = names_of("/d/区/2024/甲.yaml")
    assert names.place(Location("/d/区/2024/甲.yaml", 3)) == "甲.yaml:3"
    assert names.place(Location("/d/区/2024/甲.yaml")) == "甲.yaml"
    assert names.place(Location("/d/区/2024/乙.yaml", 5)) == "乙.yaml:5"
    names.add("/d/区/2023/乙.yaml")  # the run's folder is now the district's
    assert names.place(Location("/d/区/2024/乙.yaml", 5)) == "2024/乙.yaml:5"


def test_a_folder_reached_through_a_link_is_known_by_its_resolved_path_too(tmp_path):
    real = tmp_path / "real" / "2024"
    real.mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    names = names_of(str(tmp_path / "link" / "2024" / "甲.yaml"))
    assert names.text(f"上年（{real / '乙.yaml'}:4）") == "上年（乙.yaml:4）"


def test_a_non_utf8_byte_of_a_file_name_is_shown_as_the_replacement_character():
    names = names_of("/d/区/2024/乙\udcff.yaml")
    assert names.name("/d/区/2024/乙\udcff.yaml") == "乙\ufffd.yaml"


# --- the files a build writes --------------------------------------------------------------------------------


def _district(root: Path, last: bool = False) -> tuple[Path, Path]:
    """2024: three offices (one copying another's text, one with errors); with `last`, 2023: one of them."""
    this_year, last_year = root / "龙马潭区" / "2024", root / "龙马潭区" / "2023"
    this_year.mkdir(parents=True)
    for path in (DISTRICT / "_共同.yaml", DISTRICT / "红星街道.yaml", COPYING, UNBALANCED):
        shutil.copy(path, this_year / path.name)
    if not last:
        return last_year, this_year
    last_year.mkdir()
    shutil.copy(DISTRICT / "红星街道.yaml", last_year / "红星街道.yaml")
    shared = (DISTRICT / "_共同.yaml").read_text(encoding="utf-8")
    assert "年度: 2024" in shared
    (last_year / "_共同.yaml").write_text(shared.replace("年度: 2024", "年度: 2023"), encoding="utf-8")
    return last_year, this_year


def _cells(workbook: Path) -> dict[str, list[list[object]]]:
    book = load_workbook(workbook)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


def _build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *folders: Path) -> Path:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the data and output folders are outside the working directory
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", *map(str, folders), "-o", str(out), "-j", "1"], prog_name="nianbao")
    assert result.exit_code == 3, result.output  # 不平衡街道 has errors
    assert str(tmp_path) in result.output  # the terminal still says where the files are, as given
    return out


def test_a_build_given_absolute_paths_writes_no_folder_into_the_workbook_or_the_page(tmp_path, monkeypatch):
    _, this_year = _district(tmp_path / "私人目录")
    out = _build(tmp_path, monkeypatch, this_year)
    sheets = _cells(out / SUMMARY_FILE)
    texts = [value for rows in sheets.values() for row in rows for value in row if isinstance(value, str)]
    for text in texts:
        assert str(tmp_path) not in text and tmp_path.name not in text and "私人目录" not in text, text
        assert not text.startswith("/") and ".." not in text, text
    assert [row[9] for row in sheets[SUMMARY_SHEET][1:-1]] == ["不平衡街道.yaml", "红星街道.yaml", "雷同街道.yaml"]
    places = [row[1] for row in sheets[PROBLEMS_SHEET][1:]]
    assert "不平衡街道.yaml:41" in places and "红星街道.yaml:14" in places
    messages = [row[3] for row in sheets[PROBLEMS_SHEET][1:]]
    assert any("（雷同街道.yaml:14）" in message for message in messages)  # another office's file
    page = (out / REVIEW_PAGE).read_text(encoding="utf-8")
    assert str(tmp_path) not in page and tmp_path.name not in page and "私人目录" not in page
    assert "（雷同街道.yaml:14）" in page


def test_a_build_over_two_folders_names_each_file_with_its_folder(tmp_path, monkeypatch):
    last_year, this_year = _district(tmp_path / "私人目录", last=True)
    out = _build(tmp_path, monkeypatch, last_year, this_year)
    sheets = _cells(out / SUMMARY_FILE)
    assert [row[9] for row in sheets[SUMMARY_SHEET][1:-1]] == [
        "2023/红星街道.yaml", "2024/不平衡街道.yaml", "2024/红星街道.yaml", "2024/雷同街道.yaml"]
    places = {row[1].split(":")[0] for row in sheets[PROBLEMS_SHEET][1:]}
    assert "2024/不平衡街道.yaml" in places
    assert all(place.startswith(("2023/", "2024/")) for place in places), places


# --- the data files `new` and `import` write -----------------------------------------------------------------


def test_a_file_in_the_working_directory_is_named_in_a_command_as_the_terminal_shows_it(tmp_path, monkeypatch):
    (tmp_path / "区" / "2024").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert command_name(Path("区/2024/双加镇.yaml")) == "区/2024/双加镇.yaml"
    assert command_name(tmp_path / "区" / "2024" / "双加镇.yaml") == "区/2024/双加镇.yaml"
    monkeypatch.chdir(tmp_path / "区" / "2024")
    assert command_name(Path("../2023/双加镇.yaml")) == "双加镇.yaml"
    assert command_name(Path("/srv/私人目录/双加镇.yaml")) == "双加镇.yaml"


def test_new_and_import_from_another_folder_write_no_folder_outside_the_district(tmp_path, monkeypatch):
    district = tmp_path / "私人目录" / "龙马潭区"
    (district / "2024").mkdir(parents=True)
    for path in (DISTRICT / "_共同.yaml", DISTRICT / "双加镇.yaml"):
        shutil.copy(path, district / "2024" / path.name)
    shutil.copy(SEED_TEXT, district / "2024" / "安宁街道.txt")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    new = new_year_file(district / "2024" / "双加镇.yaml")
    imported = import_report(district / "2024" / "安宁街道.txt", district / "2024" / "安宁街道.yaml")
    texts = {path.name: path.read_text(encoding="utf-8") for path in (new.target, imported.target)}
    for text in texts.values():
        assert str(tmp_path) not in text and "私人目录" not in text and ".." not in text
    assert "由 nianbao new 从 2024/双加镇.yaml 生成。" in texts["双加镇.yaml"]  # last year's, beside this year's
    assert "运行 nianbao check 双加镇.yaml 检查，nianbao build 双加镇.yaml 生成 Word 报告。" in texts["双加镇.yaml"]
    assert "由 nianbao import 从 安宁街道.txt 导入。" in texts["安宁街道.yaml"]
    assert "运行 nianbao build 安宁街道.yaml 生成 Word 报告。" in texts["安宁街道.yaml"]


# --- what the reviewer found ---------------------------------------------------------------------------------


def test_files_on_different_drives_are_named_by_their_names_alone(monkeypatch):
    """On Windows, commonpath and relpath raise ValueError for paths on different drives: here posixpath is
    made to raise as ntpath does."""

    def no_common(paths):
        raise ValueError("Paths don't have the same drive")

    def no_relative(path, start=None):
        raise ValueError("path is on mount 'D:', start on mount 'C:'")

    names = names_of("/d/区/2024/甲.yaml")
    monkeypatch.setattr(os.path, "commonpath", no_common)
    monkeypatch.setattr(os.path, "relpath", no_relative)
    names.add("/e/区/2024/乙.yaml")
    names.add("/d/区/2024/丙.yaml")
    assert [names.name(f"/{d}/区/2024/{n}.yaml") for d, n in (("d", "甲"), ("e", "乙"))] == ["甲.yaml", "乙.yaml"]
    assert names.text("与（/e/区/2024/乙.yaml:3）相同") == "与（乙.yaml:3）相同"
    one = names_of("/d/区/2024/甲.yaml")
    assert one.text("见 /d/区/2024/甲.yaml:3") == "见 甲.yaml:3"  # relpath raising: that form skipped


@pytest.mark.parametrize("files", [
    ["/data/甲.yaml", "/data/乙.yaml"],  # one level below the root
    ["/tmp/区/甲.yaml", "/home/alice/区/乙.yaml"],  # common folder `/`
    ["/home/alice/区/甲.yaml", "/home/bob/区/乙.yaml"],  # common folder /home: the users' names
])
def test_a_root_or_a_folder_right_below_it_is_never_the_runs_folder(files):
    names = names_of(*files)
    assert [names.name(file) for file in files] == ["甲.yaml", "乙.yaml"]
    assert names.text("不能写“无”、“/”或“—”") == "不能写“无”、“/”或“—”"
    assert names.text(f"与（{files[1]}:4）相同") == "与（乙.yaml:4）相同"
    assert names.place(Location(files[0], 2)) == "甲.yaml:2"
    # A folder two levels deep is one; its parent, one level deep, is not.
    deep = names_of("/home/alice/甲.yaml", "/home/alice/2023/乙.yaml")
    assert deep.name("/home/alice/2023/乙.yaml") == "2023/乙.yaml"
    assert deep.name("/home/bob/丙.yaml") == "丙.yaml"


def test_a_text_that_is_not_a_file_path_stays_as_it_is_whatever_the_folders_name(tmp_path, monkeypatch):
    (tmp_path / "d" / "2024").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "d")
    names = names_of("2024/甲.yaml")  # `cd w/d && nianbao build 2024`
    for text in ("栏“2024/12/31”不是纯数字", "2024/12/31", "依申请公开和/或主动公开", "第 1/2 项", "不能写“无”、“/”或“—”",
                 "见 http://x/y 与 https://www.gov.cn/zhengce/a.html", f"file://{tmp_path}/d/2024/甲.yaml",
                 "../上级/目录"):
        assert names.text(text) == text
    assert names.text("见 /d/2024/x") == "见 x"  # an absolute path: cut to its last part, whatever it is
    assert names.text("见 2024/甲.yaml:3、2024/乙.YML 与 2024/子/丙.docx") == "见 甲.yaml:3、乙.YML 与 子/丙.docx"
    assert names.text(f"找不到 {tmp_path}/其他/模板.docx") == "找不到 模板.docx"


def test_an_absolute_path_right_after_a_chinese_character_is_named_too():
    names = names_of("/home/u/区/2024/甲.yaml")
    assert names.text("文件/home/u/区/2024/甲.yaml不存在") == "文件甲.yaml不存在"
    assert names.text("文件/srv/x/模板.docx不存在") == "文件模板.docx不存在"
    assert names.text("模板a/srv/x/模板.docx") == "模板a/srv/x/模板.docx"  # inside a word: not a name


def test_a_place_is_named_as_its_file_whatever_the_working_directory(tmp_path, monkeypatch):
    for year in ("2023", "2024"):
        (tmp_path / "区" / year).mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "区" / "2024")  # `cd 区/2024; nianbao build . ../2023`
    names = names_of("安宁街道.yaml", "../2023/安宁街道.yaml")
    assert names.name("安宁街道.yaml") == "2024/安宁街道.yaml"
    assert names.place(Location("安宁街道.yaml", 12)) == "2024/安宁街道.yaml:12"
    assert names.place(Location("../2023/安宁街道.yaml", 3)) == "2023/安宁街道.yaml:3"


# --- what the reviewer found in the suffix rule ----------------------------------------------------------------


@pytest.mark.parametrize("copy", ["安宁街道(1).yaml", "安宁街道 (1).yaml", "安宁街道（副本）.yaml"])
def test_a_copy_with_brackets_or_a_space_in_its_name_is_named_by_its_name(tmp_path, monkeypatch, copy):
    (tmp_path / "d" / "2024").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "d")
    names = names_of("2024/甲.yaml")
    for shown in (f"{tmp_path}/d/2024/{copy}", f"2024/{copy}", f"/srv/其他/{copy}"):
        assert names.text(f"与（{shown}:3）相同") == f"与（{copy}:3）相同", shown
        if shown.startswith("/"):  # after a Chinese character only an absolute path is a name
            assert names.text(f"文件{shown}不存在，请检查") == f"文件{copy}不存在，请检查", shown
    # A space ends a path otherwise, and Chinese punctuation always does.
    assert names.text("2024/12/31 (见 甲.yaml)") == "2024/12/31 (见 甲.yaml)"
    assert names.text("2024/12/31（甲.yaml）") == "2024/12/31（甲.yaml）"
    assert names.text("见 2024/甲.yaml、2024/乙 (1).yaml，2024/丙.yaml") == "见 甲.yaml、乙 (1).yaml，丙.yaml"


def test_a_folder_under_the_runs_folder_is_named_from_it_without_a_suffix(tmp_path, monkeypatch):
    (tmp_path / "d" / "2024").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "d")
    names = names_of("2024/甲.yaml")
    assert names.text(f"{tmp_path}/d/2024/报告：无法创建文件夹") == "报告：无法创建文件夹"
    assert names.text(f"无法写入{tmp_path}/d/2024/out/甲.docx.tmp") == "无法写入out/甲.docx.tmp"
    assert names.text("2024/12/31：日期") == "2024/12/31：日期"  # the relative form still needs a file


@pytest.mark.parametrize("suffix", ["csv", "json", "dotx", "yaml~", ""])
def test_any_other_absolute_path_is_cut_to_its_last_part_whatever_its_suffix(suffix):
    names = names_of("/home/u/区/2024/甲.yaml")
    name = f"x.{suffix}" if suffix else "报告"
    assert names.text(f"无法读取 /other/user/{name}：权限不足") == f"无法读取 {name}：权限不足"
    assert names.text(f"（/other/user/{name}）") == f"（{name}）"


def test_no_path_is_cut_inside_a_url_or_in_chinese_text_without_a_file():
    names = names_of("/home/u/区/2024/甲.yaml")
    for text in ("见 http://x.cn/路径/子/页.html", "https://政府网/通知/文件/a.csv", "是/否/不适用", "和/或/及",
                 "第 1/2/3 项", "不能写“无”、“/”或“—”"):
        assert names.text(text) == text
    assert names.text("见 http://x.cn/a.html 与 /srv/x/y.csv") == "见 http://x.cn/a.html 与 y.csv"
