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


def test_a_device_or_a_pipe_is_refused_instead_of_read_for_ever(tmp_path, monkeypatch):
    import os

    monkeypatch.chdir(tmp_path)
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    (tmp_path / "random.docx").symlink_to("/dev/urandom")
    os.mkfifo(tmp_path / "pipe.yaml")
    os.mkfifo(tmp_path / "pipe.xlsx")
    (tmp_path / "zero.html").symlink_to("/dev/zero")
    for command, name, kind in [("check", "zero.yaml", "设备文件"), ("check", "pipe.yaml", "命名管道（FIFO）"),
                                ("check", "random.docx", "设备文件"), ("import", "pipe.xlsx", "命名管道（FIFO）"),
                                ("import", "zero.html", "设备文件"), ("build", "zero.yaml", "设备文件")]:
        result = run(command, name, *(["-o", "x.yaml"] if name == "zero.html" else []))
        assert result.exit_code == 1, result.output
        assert f"{name} 错误：这是一个{kind}，不是保存在磁盘上的普通文件" in result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["zero.yaml", "random.docx", "pipe.yaml", "pipe.xlsx", "zero.html"])


def test_a_defaults_file_that_is_a_pipe_is_said_not_skipped(tmp_path, monkeypatch):
    import os
    import shutil

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(DISTRICT / "红星街道.yaml", folder)
    os.mkfifo(folder / "_共同.yaml")
    result = run("check", "d")
    assert result.exit_code in (1, 3), result.output
    assert "d/_共同.yaml 错误：这是一个命名管道（FIFO）" in result.stdout + result.stderr


def test_bom_crlf_and_utf16_data_files_are_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (DISTRICT / "安宁街道.yaml").read_text(encoding="utf-8")
    (tmp_path / "bom-crlf.yaml").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    (tmp_path / "utf16.yaml").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    (tmp_path / "cr.yaml").write_bytes(text.replace("\n", "\r").encode("utf-8"))
    for name in ("bom-crlf.yaml", "utf16.yaml", "cr.yaml"):
        result = run("check", name)
        assert result.exit_code == 0 and "检查通过（0 个错误" in result.output, result.output
    result = run("build", "bom-crlf.yaml", "-o", "out")
    assert result.exit_code == 0, result.output
    import zipfile

    (report,) = (tmp_path / "out").glob("*.docx")
    with zipfile.ZipFile(report) as archive:
        assert b"\r" not in archive.read("word/document.xml")


def _form_with(tmp_path: Path, sheet_number: int, cell: str, text: str) -> Path:
    """A form made by `nianbao form`, with one cell's text replaced (the sheets are written with inline strings)."""
    import re
    import zipfile

    assert run("form", str(DISTRICT / "安宁街道.yaml"), "-o", str(tmp_path / "forms")).exit_code == 0
    (made,) = (tmp_path / "forms").glob("*.xlsx")
    member = f"xl/worksheets/sheet{sheet_number}.xml"
    with zipfile.ZipFile(made) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts[member].decode("utf-8")
    match = re.search(rf'(<c r="{cell}"[^>]*t="inlineStr"><is><t[^>]*>)([^<]*)(</t>)', xml)
    assert match is not None
    parts[member] = (xml[:match.end(1)] + text + xml[match.start(3):]).encode("utf-8")
    path = tmp_path / "form.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def test_a_form_cell_with_too_much_text_names_the_cell_in_a_short_message(tmp_path):
    form = _form_with(tmp_path, 2, "B3", "机" * 200_000)  # 基本信息!B3 is 机关
    result = run("import", str(form), "-o", str(tmp_path / "out"))
    assert result.exit_code == 3, result.output[:2000]
    assert "基本信息!B3 错误：单元格中的文字太长（200000 个字符，上限 100000 个）" in result.output
    assert len(result.output) < 5000  # the cell is not echoed into the message
    assert not (tmp_path / "out").exists()


def test_a_form_whose_office_name_is_too_long_for_a_file_name_names_the_cell(tmp_path):
    form = _form_with(tmp_path, 2, "B3", "安宁" * 60 + "街道")
    result = run("import", str(form), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output
    assert "文件名过长" in result.output and "基本信息!B3 的机关名称太长" in result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_form_sheet_that_inflates_beyond_the_bound_is_refused(tmp_path):
    form = _form_with(tmp_path, 6, "B3", "字" * (12 * 1024 * 1024))  # 36 MB of sheet XML from a small file
    assert form.stat().st_size < 1024 * 1024
    result = run("import", str(form), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output[:2000]
    assert "文件解压后过大，不是正常的填报表" in result.output


def test_a_form_whose_zip_understates_a_sheet_size_is_refused_without_inflating_it(tmp_path):
    """The bound is checked on the declared sizes; zipfile stops inflating a member at its declared size
    (and then fails its CRC), so a zip that lies about its sizes cannot inflate past the bound either."""
    import struct
    import zipfile

    form = _form_with(tmp_path, 6, "B3", "字" * (12 * 1024 * 1024))
    with zipfile.ZipFile(form) as archive:
        real = max(i.file_size for i in archive.infolist())
    raw = form.read_bytes()
    assert raw.count(struct.pack("<I", real)) == 2  # local header and central directory
    form.write_bytes(raw.replace(struct.pack("<I", real), struct.pack("<I", 4096)))
    result = run("import", str(form), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output[:2000]
    assert "不是有效的 .xlsx 文件" in result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_long_quoted_values_are_cut_in_every_message():
    from nianbao.problems import Location, error

    problem = error(Location("a.yaml", 3), "标题应为…，实际为「" + "字" * 10_000 + "」", "如“" + "x" * 500 + "”")
    assert "（共 10000 个字符）" in problem.message and len(problem.message) < 200
    assert "（共 500 个字符）" in problem.hint
    short = error(Location("a.yaml", 3), "「机关」写的是「安宁街道」")
    assert short.message == "「机关」写的是「安宁街道」"


def _pdf_with_stream(stream: bytes) -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def test_a_pdf_whose_stream_inflates_to_a_gigabyte_is_refused(tmp_path, monkeypatch):
    import zlib

    monkeypatch.chdir(tmp_path)
    deflater = zlib.compressobj(9)
    piece = b"BT (A) Tj ET\n" * 80_000  # about 1 MB
    stream = b"".join(deflater.compress(piece) for _ in range(100)) + deflater.flush()  # 100 MB inflated
    (tmp_path / "bomb.pdf").write_bytes(_pdf_with_stream(stream))
    assert (tmp_path / "bomb.pdf").stat().st_size < 1024 * 1024
    result = run("import", "bomb.pdf", "-o", "out.yaml")
    assert result.exit_code == 1, result.output
    assert "bomb.pdf 错误：这份 PDF 中的压缩数据解压后超过 64 MB" in result.output
    assert not (tmp_path / "out.yaml").exists()


def test_a_web_page_of_nothing_but_tags_is_refused_unparsed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wide.html").write_text("<table>" + "<tr><td>1</td></tr>" * 80_000 + "</table>", encoding="utf-8")
    result = run("import", "wide.html", "-o", "out.yaml")
    assert result.exit_code == 1, result.output
    assert "wide.html 错误：网页的标签超过 300,000 个" in result.output
    assert not (tmp_path / "out.yaml").exists()


def test_an_invisible_control_character_in_a_name_is_removed_with_a_warning_naming_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (DISTRICT / "安宁街道.yaml").read_text(encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if row.startswith("  机关: "))
    (tmp_path / "a.yaml").write_text(text.replace("  机关: 安宁街道", "  机关: 安宁\x00街\x01道"), encoding="utf-8")
    result = run("check", "a.yaml")
    assert result.exit_code == 0, result.output
    assert f"a.yaml:{line} 警告：文件中有 1 个空字节（NUL），已删除" in result.output
    assert f"a.yaml:{line} 警告：有 1 个看不见的控制字符（第一个是 U+0001），已删除" in result.output
    result = run("build", "a.yaml", "-o", "out")
    assert result.exit_code == 0 and (tmp_path / "out" / "安宁街道2024年政府信息公开工作年度报告.docx").is_file()


CORPUS = ROOT / "tests" / "bad_inputs"


def test_a_template_that_is_a_bomb_damaged_or_not_a_zip_is_said_in_chinese(tmp_path):
    import shutil

    for bad, expected in [("解压炸弹.docx", "解压后超过 32 MB"), ("正文XML损坏.docx", "word/document.xml 已损坏（第 2 行的 XML 无法解析）"),
                          ("截断.docx", "不是 zip 压缩包")]:
        folder = tmp_path / bad / "t"
        shutil.copytree(ROOT / "templates" / "official-2021", folder)
        shutil.copy(CORPUS / bad, folder / "template.docx")
        result = run("template", "check", str(folder))
        assert result.exit_code == 1 and expected in result.output, result.output
        out = tmp_path / bad / "out"
        result = run("build", str(DISTRICT / "安宁街道.yaml"), "-t", str(folder), "-o", str(out))
        assert result.exit_code == 1 and expected.split("（")[0] in result.output, result.output
        assert not out.exists() or not list(out.iterdir())


def test_when_the_workbook_fails_the_summary_does_not_send_the_clerk_to_it(tmp_path):
    import shutil

    folder = tmp_path / "d"
    folder.mkdir()
    text = (DISTRICT / "安宁街道.yaml").read_text(encoding="utf-8")
    for number in range(45):  # more offices than the terminal summary lists, all with a warning
        (folder / f"机关{number}.yaml").write_text(text.replace("  机关: 安宁街道", f"  机关: 示例机关{number}"),
                                                 encoding="utf-8")
    shutil.copy(DISTRICT / "_共同.yaml", folder)
    out = tmp_path / "out"
    (out / "年报汇总.xlsx").mkdir(parents=True)
    result = run("build", str(folder), "-o", str(out), "-j", "1")
    assert result.exit_code == 1, result.output[-3000:]
    assert "见上面逐个机关的结果" in result.stdout and "见年报汇总.xlsx" not in result.stdout, result.stdout[-1500:]


def test_a_defaults_file_symlinked_to_a_device_is_named_by_its_own_name(tmp_path, monkeypatch):
    import shutil

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(DISTRICT / "红星街道.yaml", folder)
    (folder / "_共同.yaml").symlink_to("/dev/zero")
    result = run("check", "d")
    assert "d/_共同.yaml 错误：这是一个设备文件" in result.output and "/dev/zero" not in result.output, result.output


def test_a_template_folder_missing_or_with_an_unreadable_yaml_file_is_said_in_chinese(tmp_path):
    import shutil

    for name, damage, expected in [
        ("rules.yaml", "delete", "模板文件夹缺少 rules.yaml"),
        ("fields.yaml", "delete", "模板文件夹缺少 fields.yaml"),
        ("rules.yaml", "folder", "是一个文件夹"),
        ("rules.yaml", "gbk", "不是 UTF-8 编码"),
    ]:
        folder = tmp_path / f"{name}-{damage}" / "t"
        shutil.copytree(ROOT / "templates" / "official-2021", folder)
        target = folder / name
        text = target.read_text(encoding="utf-8")
        target.unlink()
        if damage == "folder":
            target.mkdir()
        elif damage == "gbk":
            target.write_bytes(("# 规则\n" + text).encode("gbk", errors="replace"))
        for args in (["check", "-t", str(folder), str(DISTRICT / "安宁街道.yaml")],
                     ["template", "check", str(folder)]):
            result = run(*args)
            assert result.exit_code == 1 and expected in result.output, (args, result.output)
        out = tmp_path / f"{name}-{damage}" / "out"
        result = run("build", str(DISTRICT / "安宁街道.yaml"), "-t", str(folder), "-o", str(out))
        assert result.exit_code == 1 and expected in result.output, result.output
        assert not out.exists() or not list(out.iterdir())
