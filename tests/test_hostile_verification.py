"""Hostile input found in the independent verification of issue 10: files that are not regular files
(a FIFO, a symlink to /dev/zero) are refused at once instead of hanging or filling the memory."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.cli import cli

SEED = Path(__file__).resolve().parents[1] / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"
NOT_REGULAR = "不是保存在磁盘上的普通文件"

needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(),
                                 reason="needs FIFOs and /dev/zero (POSIX)")


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args, prog_name="nianbao")
    shown = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in shown and "程序内部错误" not in shown, shown
    return result.exit_code, shown


def _special(directory: Path, name: str, kind: str) -> Path:
    path = directory / name
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    return path


@needs_posix
@pytest.mark.parametrize("kind", ["fifo", "zero"])
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("数据.yaml", ["check"]),
        ("数据.yaml", ["build", "-o", "out"]),
        ("报告.docx", ["check"]),
        ("报告.docx", ["import", "-o", "导入.yaml"]),
        ("报告.html", ["import", "-o", "导入.yaml"]),
        ("报告.pdf", ["import", "-o", "导入.yaml"]),
        ("报告.txt", ["import", "-o", "导入.yaml"]),
        ("填报表.xlsx", ["import"]),
    ],
)
def test_a_fifo_or_a_device_is_refused_without_reading_it(tmp_path, monkeypatch, kind, name, args):
    monkeypatch.chdir(tmp_path)
    path = _special(tmp_path, name, kind)
    code, shown = _run([args[0], str(path), *args[1:]])
    assert code == 1, shown
    assert NOT_REGULAR in shown
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written


@needs_posix
def test_a_fifo_or_device_in_a_district_folder_is_passed_over_without_hanging(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "区"
    folder.mkdir()
    shutil.copy(SEED, folder / "安宁街道.yaml")
    _special(folder, "管道.yaml", "fifo")
    _special(folder, "设备.yaml", "zero")
    code, shown = _run(["build", str(folder), "-o", "out", "-j", "1"])
    assert code == 0, shown  # only regular files are offices' data files
    assert [p.name for p in (tmp_path / "out").glob("*.docx")] == ["安宁街道2024年政府信息公开工作年度报告.docx"]


@needs_posix
def test_an_existing_output_that_is_a_symlink_to_a_device_is_not_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(SEED, tmp_path / "安宁街道.yaml")
    out = tmp_path / "out"
    out.mkdir()
    _special(out, "安宁街道2024年政府信息公开工作年度报告.docx", "zero")
    code, shown = _run(["build", "安宁街道.yaml", "-o", "out"])
    assert code == 4 or code == 1, shown  # not nianbao's: kept, said so
    assert "不是 nianbao 生成的文件" in shown
    code, shown = _run(["build", "安宁街道.yaml", "-o", "out", "--force"])
    assert code == 0, shown
    report = out / "安宁街道2024年政府信息公开工作年度报告.docx"
    assert report.is_file() and not report.is_symlink()


def test_sigterm_while_writing_removes_the_half_written_file(tmp_path):
    """Deterministic: the signal arrives between writing the temporary file and renaming it."""
    script = textwrap.dedent(
        f"""
        import functools, os, signal
        from pathlib import Path
        from nianbao.write import exit_on_sigterm, write_atomic
        signal.signal(signal.SIGTERM, functools.partial(exit_on_sigterm, notice="stopped\\n"))
        write_atomic(Path({str(tmp_path / "报告.docx")!r}), b"x" * 100_000,
                     before_rename=lambda: os.kill(os.getpid(), signal.SIGTERM))
        print("not reached")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 128 + signal.SIGTERM
    assert "not reached" not in result.stdout and "stopped" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_batch_killed_by_signal_leaves_no_worker_and_no_temporary_file(tmp_path, sig):
    folder = tmp_path / "区"
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8")
    for i in range(120):
        (folder / f"机关{i}.yaml").write_text(text.replace("  机关: 安宁街道", f"  机关: 安宁街道{i}"), encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "nianbao", "build", str(folder), "-o", str(out), "-j", "2"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out.exists() and len(list(out.glob("*.docx"))) >= 3):
        time.sleep(0.05)
    workers = [int(p) for p in Path(f"/proc/{run.pid}/task/{run.pid}/children").read_text().split()]
    run.send_signal(sig)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode in (-sig, 128 + sig)  # 143 after the SIGTERM handler cleaned up; -9 when killed
    assert workers
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(p) for p in workers):
        time.sleep(0.1)
    assert not any(_running(p) for p in workers), "a worker outlived the killed run"
    assert sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp")) == []
    if sig == signal.SIGTERM:
        assert "已终止（收到终止信号）" in stderr


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@needs_posix
@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_defaults_file_that_is_not_a_regular_file_is_said_not_passed_over(tmp_path, monkeypatch, kind):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "区"
    folder.mkdir()
    shutil.copy(SEED, folder / "安宁街道.yaml")
    _special(folder, "_共同.yaml", kind)
    code, shown = _run(["build", str(folder), "-o", "out", "-j", "1"])
    assert code == 1, shown
    assert NOT_REGULAR in shown
    assert not list((tmp_path / "out").glob("*.docx"))


def test_a_too_large_data_file_says_its_size_with_a_decimal(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "大.yaml").write_bytes(b"a" * 3_000_000)
    code, shown = _run(["check", "大.yaml"])
    assert code == 1 and "文件太大（2.9 MB），数据文件不会超过 2 MB" in shown


def _pdf_with_stream(payload: bytes) -> bytes:
    import zlib

    compressed = zlib.compress(payload, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(compressed) + compressed + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_whose_stream_inflates_beyond_the_bound_is_refused_before_pdfminer_reads_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "炸弹.pdf").write_bytes(_pdf_with_stream(b" " * (80 * 1024 * 1024)))  # 80 KB on disk
    started = time.monotonic()
    code, shown = _run(["import", "炸弹.pdf", "-o", "导入.yaml"])
    assert code == 1, shown
    assert "这份 PDF 中的压缩数据解压后超过 64 MB" in shown
    assert time.monotonic() - started < 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["炸弹.pdf"]


def test_the_pdf_stream_bound_leaves_an_ordinary_stream_alone():
    from nianbao.published import _check_pdf_streams

    _check_pdf_streams(_pdf_with_stream(b"BT /F1 12 Tf (hello) Tj ET\n" * 10_000), "正常.pdf")  # no exception


def test_an_html_table_of_spans_is_bounded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = "".join("<tr>" + '<td colspan="1000" rowspan="1000">1</td>' * 50 + "</tr>" for _ in range(300))
    (tmp_path / "跨格.html").write_text(f"<html><body><table>{rows}</table></body></html>", encoding="utf-8")
    started = time.monotonic()
    code, shown = _run(["import", "跨格.html", "-o", "导入.yaml"])
    assert code == 1, shown
    assert "网页中有一个表格超过 100000 格（300 行），不像年报的表格" in shown
    assert time.monotonic() - started < 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["跨格.html"]


@pytest.mark.parametrize("name", ["件数-科学记数.yaml", "件数-下划线.yaml", "件数-空格分组.yaml", "件数-十六进制.yaml"])
def test_an_uncertain_number_gets_no_value_in_its_hint_not_even_as_an_example(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    shutil.copy(Path(__file__).parent / "bad_inputs" / name, tmp_path / name)
    code, shown = _run(["check", name])
    assert code == 3
    hint = next(line for line in shown.splitlines() if "修改办法" in line)
    assert "改为" not in hint and "1000" not in hint and "16" not in hint, hint


def test_an_output_option_naming_a_file_is_said_in_chinese(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(SEED, tmp_path / "安宁街道.yaml")
    (tmp_path / "outfile").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "安宁街道.yaml", "-o", "outfile"], prog_name="nianbao")
    assert result.exit_code == 2
    assert "文件夹 'outfile' 是文件，不是文件夹" in result.output
    assert "Directory" not in result.output


def test_a_temporary_file_is_registered_for_removal_before_it_exists(tmp_path, monkeypatch):
    """A SIGTERM between the creation of the temporary file and its registration would leave it behind:
    the name is registered first, so the handler always finds what exists."""
    from nianbao import write

    real_open = os.open
    seen: list[tuple[str, bool, bool]] = []

    def watching_open(name, flags, mode=0o777, **kwargs):
        fd = real_open(name, flags, mode, **kwargs)
        if str(name).endswith(".tmp"):
            seen.append((str(name), str(name) in write._WRITING, os.path.exists(name)))
        return fd

    monkeypatch.setattr(write.os, "open", watching_open)
    write.write_atomic(tmp_path / "报告.docx", b"data")
    assert len(seen) == 1 and seen[0][1:] == (True, True), seen
    assert write._TEMPORARY.fullmatch(Path(seen[0][0]).name)
    assert (tmp_path / "报告.docx").read_bytes() == b"data"
    assert not write._WRITING and [p.name for p in tmp_path.iterdir()] == ["报告.docx"]
