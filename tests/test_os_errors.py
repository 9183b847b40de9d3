"""Every OS error is said in Chinese (errors.os_error_text, one table): through the command line, with the
exit code, the cause and what to do, the path as given, and neither the system's English text nor a
traceback."""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.cli import cli
from nianbao.errors import (
    _ANY_CAUSES,
    _READING_CAUSES,
    _WINDOWS_CAUSES,
    _WRITING_CAUSES,
    os_error_text,
)

from .test_review import make_district

ROOT = Path(__file__).resolve().parents[1]
OFFICE = ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"
# The Latin words a Chinese message may hold: product names, an option, a Windows tool.
_ALLOWED_LATIN = re.compile(r"Word|WPS|Excel|Windows|chkdsk|TMPDIR|U 盘|-j|\.docx|\.yaml|\.xlsx")


def _english_in(text: str) -> list[str]:
    """Latin words of two letters or more left in `text` once paths and the allowed words are taken out."""
    return re.findall(r"[A-Za-z]{2,}", _ALLOWED_LATIN.sub("", text))


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One office's data file, in a working folder of its own (paths said relative to it)."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(OFFICE, tmp_path / OFFICE.name)
    return Path(OFFICE.name)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output and "程序内部" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("table", [_WRITING_CAUSES, _READING_CAUSES, _ANY_CAUSES])
def test_every_errno_of_the_table_is_said_in_chinese_without_the_system_text(table: dict) -> None:
    for number in table:
        if number < 0:
            continue
        for reading in (False, True, None):
            text = os_error_text(OSError(number, os.strerror(number), "a.docx"), reading)
            assert os.strerror(number) not in text and not _english_in(text), (number, text)
            assert "。" in text  # the cause, then what to do


def test_an_unknown_errno_is_a_chinese_sentence_with_its_number() -> None:
    number = errno.ENOLINK
    assert number not in _WRITING_CAUSES and number not in _ANY_CAUSES
    for reading in (False, True, None):
        text = os_error_text(OSError(number, os.strerror(number)), reading)
        assert text.startswith(f"系统错误（错误代码 {number}）。") and not _english_in(text)
    assert os_error_text(OSError("some text")).startswith("系统错误。")  # no errno at all


def test_windows_codes_come_before_the_errno_python_derives() -> None:
    sharing = PermissionError(errno.EACCES, "The process cannot access the file")
    sharing.winerror = 32  # type: ignore[attr-defined]  # as Python sets it on Windows
    assert os_error_text(sharing).startswith("文件正被另一个程序占用（可能正在 Word/WPS 或 Excel 中打开）。关闭它后再试")
    for code in _WINDOWS_CAUSES:
        trouble = OSError(errno.EINVAL, "Windows text")
        trouble.winerror = code  # type: ignore[attr-defined]
        assert not _english_in(os_error_text(trouble))


def test_a_file_where_the_output_folder_goes(office: Path) -> None:
    Path("out").write_text("a file")
    code, output = _run("build", str(office), "-o", "out/报告")
    assert code == 1
    assert "错误：无法在 out/报告 中写文件：路径中有一段是文件而不是文件夹。检查输出文件夹的路径" in output
    assert not _english_in(output.replace("out", ""))


def test_an_output_folder_name_too_long(office: Path) -> None:
    folder = "长" * 100  # 300 bytes: more than a file name may have
    code, output = _run("build", str(office), "-o", folder)
    assert code == 1 and "无法写入：文件名过长。" in output and folder in output
    assert not _english_in(output)


def test_a_data_file_name_too_long(office: Path) -> None:
    name = "长" * 100 + ".yaml"
    code, output = _run("check", name)
    assert code == 1 and f"{name} 错误：文件名或路径过长。缩短文件名，或换一个路径较短的文件夹" in output
    assert not _english_in(output)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_output_folder(office: Path) -> None:
    Path("out").mkdir()
    os.chmod("out", 0o555)
    try:
        code, output = _run("build", str(office), "-o", "out")
    finally:
        os.chmod("out", 0o755)
    assert code == 1 and "错误：无法在 out 中写文件：没有写入权限。" in output and not _english_in(output.replace("out", ""))


@pytest.mark.parametrize(("number", "winerror", "said"), [
    (errno.EROFS, None, "磁盘是只读的。换一个可以写入的输出文件夹"),
    (errno.EACCES, 32, "文件正被另一个程序占用（可能正在 Word/WPS 或 Excel 中打开）。关闭它后再试"),
    (errno.EIO, None, "磁盘读写出错（磁盘、U 盘或网络盘可能有故障或已断开）。"),
    (errno.EXDEV, None, "文件不能在两个磁盘（分区）之间直接移动。"),
    (errno.ENOLINK, None, f"系统错误（错误代码 {errno.ENOLINK}）。检查输出文件夹后再试"),
])
def test_an_error_at_the_rename(office: Path, monkeypatch: pytest.MonkeyPatch, number: int, winerror: int | None,
                                said: str) -> None:
    def failing(source: object, target: object) -> None:
        trouble = OSError(number, os.strerror(number), str(source))
        if winerror is not None:
            trouble.winerror = winerror  # type: ignore[attr-defined]
        raise trouble

    monkeypatch.setattr(os, "replace", failing)
    code, output = _run("build", str(office), "-o", "out")
    assert code == 1 and said in output and os.strerror(number) not in output
    assert "无法写入 out/安宁街道2024年政府信息公开工作年度报告.docx：" in output
    assert not _english_in(output.replace("out", "")) and os.listdir("out") == []  # nothing half-written


def test_a_missing_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_district(tmp_path / "2024")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    code, output = _run("build", folder.name, "-o", "out", "-j", "1")
    assert code == 1
    assert f"无法写入临时文件夹 {tmp_path / 'gone'}：文件夹不存在（可能刚被删除或移走）。检查文件夹的路径后再试" in output
    assert not _english_in(output.replace(str(tmp_path / "gone"), "").replace("out", ""))


def test_an_os_error_no_layer_said_is_said_at_the_command_line(office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nianbao.cli

    def failing(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(Path.cwd() / "某个文件.yaml"))

    monkeypatch.setattr(nianbao.cli, "check_paths", failing)
    code, output = _run("check", str(office))
    assert code == 1
    assert output.strip() == "某个文件.yaml 错误：没有访问权限。检查文件和文件夹的权限；如果文件正在 Word/WPS 中打开，请先关闭"


@pytest.mark.parametrize(("number", "said"), [
    (errno.EIO, "读取文件失败：磁盘读写出错（磁盘、U 盘或网络盘可能有故障或已断开）。检查磁盘和连接后再试"),
    (errno.ESTALE, "读取文件失败：网络盘上的文件已失效。重新连接网络盘后再试"),
    (errno.ENOLINK, f"读取文件失败：系统错误（错误代码 {errno.ENOLINK}）。检查这个文件和它所在的文件夹后再试"),
])
def test_an_error_reading_a_data_file(office: Path, monkeypatch: pytest.MonkeyPatch, number: int, said: str) -> None:
    real_open = Path.open

    def failing_open(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == office.name:
            raise OSError(number, os.strerror(number), str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", failing_open)
    code, output = _run("check", str(office))
    assert code == 1 and f"{office} 错误：{said}" in output and os.strerror(number) not in output
    assert not _english_in(output)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads a file without permission")
def test_a_data_file_without_read_permission(office: Path) -> None:
    office.chmod(0)
    try:
        code, output = _run("check", str(office))
    finally:
        office.chmod(0o644)
    assert code == 1 and f"{office} 错误：" in output and "权限" in output and not _english_in(output)


def test_an_os_error_no_layer_said_for_one_office_of_a_district(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nianbao.batch

    folder = make_district(tmp_path / "2024")
    monkeypatch.chdir(tmp_path)
    real = nianbao.batch.write_report

    def failing(result: object, out_dir: object, **kwargs: object) -> object:
        shown = str(getattr(result, "display", ""))
        if "安宁街道" in shown:  # the disk is the user's to mend, file or not
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if "双加镇" in shown:  # naming no file, it is not the user's: a call given wrong arguments, a bug
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        if "红星街道" in shown:  # nor is one the table does not know
            raise OSError(errno.ENOPROTOOPT, os.strerror(errno.ENOPROTOOPT), "某.docx")
        return real(result, out_dir, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nianbao.batch, "write_report", failing)
    result = CliRunner().invoke(cli, ["build", folder.name, "-o", "out", "-j", "1"])  # _run refuses 程序内部
    code, output = result.exit_code, result.output
    assert code != 0 and "Traceback" not in output
    assert "错误：处理 2024/安宁街道.yaml 时出错：磁盘已满。清理磁盘空间后再试" in output
    assert "错误：处理 2024/双加镇.yaml 时程序内部出错（OSError: [Errno 22]" in output
    assert "错误：处理 2024/红星街道.yaml 时程序内部出错（OSError: [Errno 92]" in output
    assert "系统不接受这个文件名" not in output and "NIANBAO_DEBUG=1" in output


def test_the_file_an_os_error_names_is_said_for_one_office_of_a_district(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import nianbao.batch

    folder = make_district(tmp_path / "2024")
    monkeypatch.chdir(tmp_path)
    real = nianbao.batch.write_report
    hidden = Path(tempfile.gettempdir()) / "nianbao-xyz" / "临时文件.tmp"

    def failing(result: object, out_dir: object, **kwargs: object) -> object:
        if "安宁街道" in str(getattr(result, "display", "")):
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(hidden))
        if "双加镇" in str(getattr(result, "display", "")):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(tmp_path / "out" / "某.docx"))
        return real(result, out_dir, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nianbao.batch, "write_report", failing)
    code, output = _run("build", folder.name, "-o", "out", "-j", "1")
    assert code != 0
    assert "错误：处理 2024/安宁街道.yaml 时，临时文件.tmp 出错：文件或文件夹正被占用。" in output
    assert "错误：处理 2024/双加镇.yaml 时，out/某.docx 出错：磁盘读写出错" in output
    assert str(hidden.parent) not in output and str(tmp_path) not in output


@pytest.mark.parametrize("where", ["cli", "batch"])
def test_an_os_error_without_errno_is_a_bug_and_a_broken_pipe_is_quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       where: str) -> None:
    import nianbao.batch
    import nianbao.cli

    folder = make_district(tmp_path / "2024")
    monkeypatch.chdir(tmp_path)
    trouble: list[OSError] = []

    def failing(*args: object, **kwargs: object) -> None:
        raise trouble[0]

    if where == "cli":
        monkeypatch.setattr(nianbao.cli, "check_paths", failing)
    else:
        monkeypatch.setattr(nianbao.batch, "write_report", failing)
    args = ["check", folder.name] if where == "cli" else ["build", folder.name, "-o", "out", "-j", "1"]
    trouble[:] = [OSError("a bug's OSError, without an errno")]
    result = CliRunner().invoke(cli, args)
    assert "程序内部" in result.output and "OSError" in result.output, result.output
    trouble[:] = [BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))]
    result = CliRunner().invoke(cli, args)
    if where == "cli":  # the reader of the output went away: click's main ends quietly, exit 1
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
        assert "出错" not in result.output and "程序内部" not in result.output
        assert os.strerror(errno.EPIPE) not in result.output
    else:  # inside one office's work no output is written: a pipe broken there is that office's bug, said
        assert result.exit_code != 0 and "时程序内部出错（BrokenPipeError" in result.output, result.output


def test_os_error_file_is_the_name_the_user_knows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nianbao.errors import os_error_file

    monkeypatch.chdir(tmp_path)
    assert os_error_file(OSError(errno.EIO, "x", "甲/乙.yaml")) == "甲/乙.yaml"
    assert os_error_file(OSError(errno.EIO, "x", str(tmp_path / "甲" / "乙.yaml"))) == "甲/乙.yaml"
    assert os_error_file(OSError(errno.EIO, "x", "/elsewhere/tmpab12/乙.docx")) == "乙.docx"
    assert os_error_file(OSError(errno.EIO, "x", os.fsencode(tmp_path) + b"/\xff.yaml")) == "\ufffd.yaml"
    assert os_error_file(OSError(errno.EIO, "x")) == ""


def test_a_data_file_open_in_another_program_on_windows(office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = Path.open

    def sharing_violation(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == office.name:
            trouble = PermissionError(errno.EACCES, "The process cannot access the file", str(self))
            trouble.winerror = 32  # type: ignore[attr-defined]  # as Python sets it on Windows
            raise trouble
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", sharing_violation)
    code, output = _run("check", str(office))
    assert code == 1
    assert f"{office} 错误：读取文件失败：文件正被另一个程序占用（可能正在 Word/WPS 或 Excel 中打开）。关闭它后再试" in output


@pytest.mark.parametrize(("trouble", "said"), [
    (PermissionError(errno.EACCES, "Permission denied"), "没有读取权限。检查文件的权限；如果文件正在其他程序中打开，请先关闭"),
    (IsADirectoryError(errno.EISDIR, "Is a directory"), "这是一个文件夹，不是文件。检查路径"),
    (OSError(errno.ENOLINK, "Link has been severed"),
     f"系统错误（错误代码 {errno.ENOLINK}）。检查这个文件和它所在的文件夹后再试"),
])
def test_an_error_reading_a_template_file_is_said_from_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  trouble: OSError, said: str) -> None:
    from nianbao.errors import TemplateTrouble
    from nianbao.spec import load_spec

    folder = tmp_path / "own"
    shutil.copytree(ROOT / "templates" / "official-2021", folder)
    real = Path.read_text

    def failing(self: Path, *args: object, **kwargs: object) -> str:
        if self.name == "rules.yaml":
            raise trouble
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", failing)
    with pytest.raises(TemplateTrouble) as caught:
        load_spec(folder)
    assert caught.value.message == f"无法读取模板文件 {folder / 'rules.yaml'}：{said}"
    assert not _english_in(caught.value.message.replace(str(folder / "rules.yaml"), ""))


def test_a_data_file_without_read_permission_met_when_opened(office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a user who is not root meets (test_a_data_file_without_read_permission), met by root too: the reader's
    # one open call is refused.
    real_open = Path.open

    def refused(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == office.name:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refused)
    code, output = _run("check", str(office))
    assert code == 1
    assert output.strip().startswith(f"{office} 错误：读取文件失败：没有读取权限。检查文件的权限；"), output
    assert not _english_in(output)
