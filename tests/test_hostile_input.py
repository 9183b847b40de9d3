"""Hostile input: every reader is bounded, and keys are compared as the checker compares them."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

from nianbao import check_file

BOMB = "".join(
    f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9 if prev else ['"lol"'] * 9) + "]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


# The child's own peak memory: VmHWM starts afresh at exec, whereas ru_maxrss keeps the peak of the
# forked test process (Linux). Elsewhere ru_maxrss is the best there is.
PEAK_KB = """
def peak_kb():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""


def messages(path: Path) -> list[str]:
    return [f"{p.location} {p.severity.value}：{p.message}" for p in check_file(path).problems]


def test_anchors_and_aliases_are_refused_with_their_line(variant):
    variant.replace("  年度: 2024", "  年度: &y 2024\n  标题: *y")
    found = messages(variant.write())
    line = variant.line_of("年度:")
    assert f"安宁街道.yaml:{line} 错误：不支持 YAML 锚点「&y」" in found
    assert f"安宁街道.yaml:{line + 1} 错误：不支持 YAML 别名「*y」" in found


def test_an_alias_bomb_fails_fast_in_little_memory(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    # Measured in a child process: its own peak memory and wall time, nothing else of the test run.
    probe = textwrap.dedent(
        f"""
        import resource, sys, time
        from pathlib import Path
        PEAK_KB
        start = time.perf_counter()
        from nianbao.source import load_source
        before = peak_kb()
        source = load_source(Path({str(bomb)!r}))
        elapsed = time.perf_counter() - start
        peak = peak_kb()
        print(source.root is None, len(source.problems), round(elapsed, 3), peak - before, peak)
        """
    ).replace("PEAK_KB", PEAK_KB)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    refused, count, elapsed, grown_kb, peak_kb = result.stdout.split()
    assert refused == "True" and int(count) > 0
    assert float(elapsed) < 1.0
    assert int(grown_kb) < 20 * 1024 and int(peak_kb) < 100 * 1024


def test_keys_equal_after_folding_are_duplicates_naming_both_lines(variant):
    variant.replace("  机关: 安宁街道", "  机关: 安宁街道\n  机 关: 红星街道")
    found = messages(variant.write())
    line = variant.line_of("机 关:")
    assert (f"安宁街道.yaml:{line} 错误：「机 关」重复出现（第 {line - 1} 行已经写过「机关」，两处按同一栏目计）"
            in found)


def test_full_and_half_width_enumerations_are_duplicates(variant):
    row = "  四、结转下年度继续办理: [0, 0, 0, 0, 0, 0, 0]"
    variant.replace(row, row + "\n  四, 结转下年度继续办理: [1, 0, 0, 0, 0, 0, 1]".replace(",", "、", 1))
    found = messages(variant.write())
    assert any("重复出现" in m for m in found), found


def test_duplicates_in_a_defaults_file_are_errors_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    district = Path(__file__).resolve().parents[1] / "data" / "龙马潭区" / "2024"
    shared = (district / "_共同.yaml").read_text(encoding="utf-8")
    assert "  年度: 2024\n" in shared
    (tmp_path / "_共同.yaml").write_text(shared.replace("  年度: 2024\n", "  年度: 2024\n  年 度: 2023\n"),
                                        encoding="utf-8")
    (tmp_path / "安宁街道.yaml").write_text((district / "安宁街道.yaml").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    from nianbao.load import load_report

    _, problems = load_report(tmp_path / "安宁街道.yaml", defaults=[tmp_path / "_共同.yaml"])
    assert any(p.location.file == "_共同.yaml" and "「年 度」重复出现" in p.message for p in problems)


def test_a_huge_data_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    big = tmp_path / "大.yaml"
    big.write_text("# " + "x" * (3 * 1024 * 1024), encoding="utf-8")
    from nianbao import FileTrouble

    try:
        check_file(big)
    except FileTrouble as trouble:
        assert "文件太大" in trouble.message
    else:
        raise AssertionError("a 3 MB data file was read")


def test_deep_nesting_is_a_problem_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    deep = tmp_path / "深.yaml"
    deep.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert messages(deep) == ["深.yaml 错误：嵌套层次太深（超过 50 层）"]


# --- .docx reading: bounded while inflating; foreign formats named ---------------------------------------


def _built(tmp_path: Path) -> Path:
    from nianbao import build_file

    district = Path(__file__).resolve().parents[1] / "data" / "龙马潭区" / "2024"
    _, path = build_file(district / "安宁街道.yaml", tmp_path / "out")
    return path


def _rewrite(source: Path, target: Path, replace: dict[str, bytes], pad: str = "", pad_mib: int = 0) -> Path:
    """A copy of the .docx at `source` with some parts replaced; `pad` gets `pad_mib` MiB of spaces added."""
    import zipfile

    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in src.infolist():
            data = replace.get(info.filename, src.read(info))
            if info.filename == pad:
                with out.open(info.filename, "w", force_zip64=True) as stream:
                    stream.write(data)
                    block = b" " * (1 << 20)
                    for _ in range(pad_mib):
                        stream.write(block)
            else:
                out.writestr(info.filename, data)
    return target


def test_an_inflation_bomb_is_refused_in_little_memory(tmp_path):
    bomb = _rewrite(_built(tmp_path), tmp_path / "炸弹.docx", {}, pad="word/document.xml", pad_mib=400)
    assert bomb.stat().st_size < 5 * 1024 * 1024
    probe = textwrap.dedent(
        f"""
        import resource, sys, time
        from nianbao.cli import cli
        PEAK_KB
        start = time.perf_counter()
        try:
            cli(["check", {str(bomb)!r}], prog_name="nianbao")
        except SystemExit:
            pass
        except Exception as exc:
            print("ERR", type(exc).__name__, exc, file=sys.stderr)
        print(round(time.perf_counter() - start, 3), peak_kb())
        """
    ).replace("PEAK_KB", PEAK_KB)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    elapsed, peak_kb = result.stdout.split()[-2:]
    assert "word/document.xml 解压后超过 32 MB" in result.stdout + result.stderr
    assert float(elapsed) < 10 and int(peak_kb) < 200 * 1024


def test_the_overwrite_guard_keeps_a_bomb_it_cannot_vouch_for(tmp_path):
    from nianbao import build_file
    from nianbao.errors import OutputProtected

    report = _built(tmp_path)
    _rewrite(report, tmp_path / "bomb.docx", {}, pad="word/document.xml", pad_mib=100).replace(report)
    district = Path(__file__).resolve().parents[1] / "data" / "龙马潭区" / "2024"
    try:
        build_file(district / "安宁街道.yaml", tmp_path / "out")
    except OutputProtected as kept:
        assert "不是 nianbao 生成的文件" in kept.message
    else:
        raise AssertionError("the bomb was overwritten without --force")


def test_damaged_properties_are_foreign_and_force_replaces_them(tmp_path, monkeypatch):
    from nianbao import build_file, check_document
    from nianbao.errors import OutputProtected

    monkeypatch.chdir(tmp_path)
    report = _built(tmp_path)
    _rewrite(report, tmp_path / "damaged.docx", {"docProps/custom.xml": b"<Properties><broken"}).replace(report)
    result = check_document(report)  # the tables are still read and checked
    assert result.report is not None and not [p for p in result.problems if p.is_error]
    district = Path(__file__).resolve().parents[1] / "data" / "龙马潭区" / "2024"
    try:
        build_file(district / "安宁街道.yaml", tmp_path / "out")
    except OutputProtected as kept:
        assert "不是 nianbao 生成的文件" in kept.message
    else:
        raise AssertionError("a foreign report was overwritten without --force")
    _, again = build_file(district / "安宁街道.yaml", tmp_path / "out", force=True)
    assert check_document(again).report is not None


def _moved_main_part(source: Path, target: Path, content_type: str) -> Path:
    """A copy of the .docx whose main document is word/main.xml of `content_type`, as its package says."""
    import zipfile

    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            name = info.filename
            if name == "word/document.xml":
                name = "word/main.xml"
            elif name == "word/_rels/document.xml.rels":
                name = "word/_rels/main.xml.rels"
            elif name == "_rels/.rels":
                data = data.replace(b'Target="word/document.xml"', b'Target="/word/main.xml"')
            elif name == "[Content_Types].xml":
                data = data.replace(b'PartName="/word/document.xml" ContentType="' + main.encode(),
                                    b'PartName="/word/main.xml" ContentType="' + content_type.encode())
            out.writestr(name, data)
    return target


def test_the_main_document_is_found_by_the_package_not_by_its_usual_name(tmp_path, monkeypatch):
    from nianbao import FileTrouble, build_file
    from nianbao.report_reader import read_report

    monkeypatch.chdir(tmp_path)
    district = Path(__file__).resolve().parents[1] / "data" / "龙马潭区" / "2024"
    _, built = build_file(district / "红星街道.yaml", tmp_path / "out")  # an office with numbers in its tables
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    moved = _moved_main_part(built, tmp_path / "moved.docx", main)
    values = [{k: c.value for k, c in read_report(p).report.cells.items()} for p in (moved, built)]
    assert values[0] == values[1] and any(values[0].values())
    template = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
    try:
        read_report(_moved_main_part(built, tmp_path / "模板.docx", template))
    except FileTrouble as trouble:
        assert trouble.message.startswith("不是有效的 Word 文档（.docx）")
    else:
        raise AssertionError("a Word template was read as a report")


def test_old_word_odt_and_encrypted_documents_are_named(tmp_path, monkeypatch):
    from nianbao import FileTrouble

    monkeypatch.chdir(tmp_path)
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504
    cases = {
        "旧版.docx": (ole + b"WordDocument".decode().encode("utf-16-le"), "另存为” .docx"),
        "加密.docx": (ole + "EncryptionInfo".encode("utf-16-le"), "请先去掉密码"),
        "开放.docx": (b"PK\x03\x04" + b"\0" * 26 + b"mimetypeapplication/vnd.oasis.opendocument.text", ".odt"),
    }
    for name, (content, expected) in cases.items():
        (tmp_path / name).write_bytes(content)
        try:
            check_document(tmp_path / name)
        except FileTrouble as trouble:
            assert expected in trouble.message, (name, trouble.message)
        else:
            raise AssertionError(f"{name} was read")


def check_document(path: Path):
    from nianbao import check_document as check

    return check(path)


# --- plausible values -----------------------------------------------------------------------------------

YEAR_CASES = [
    ("1900", "不在 2008—"),
    ("2100", "不在 2008—"),
    ("0000", "不在 2008—"),
    ("9999", "不在 2008—"),
    ("２０２４", "应为四位半角数字的年份"),
    ("٢٠٢٤", "应为四位半角数字的年份"),
    ("2015", "早于 2021 年"),
]


def _errors(path: Path) -> list[str]:
    return [f"{p.location} {p.message} | {p.hint}" for p in check_file(path).problems if p.is_error]


def test_year_must_be_plausible(variant):
    for typed, expected in YEAR_CASES:
        variant.text = re.sub(r"(?m)^  年度: .*$", lambda _, typed=typed: f"  年度: {typed}", variant.text)
        found = _errors(variant.write())
        assert any(expected in m for m in found), (typed, found)
    assert any("旧格式" in m for m in found)


def test_a_year_contradicting_the_opening_text_is_a_warning(variant):
    variant.replace("  年度: 2024", "  年度: 2025")
    warnings = [p.message for p in check_file(variant.write()).problems if not p.is_error]
    assert "正文开头写的是 2024 年，「年度」却是 2025" in warnings, warnings


def test_full_width_postcode_is_used_with_a_warning_and_arabic_indic_is_an_error(variant):
    variant.replace("  邮编: 646000", "  邮编: ６４６０００")
    problems = check_file(variant.write()).problems
    assert [p.message for p in problems if not p.is_error] == [
        "「基本信息」的「邮编」“６４６０００”用了全角数字或符号，已按“646000”处理"]
    variant.replace("  邮编: ６４６０００", "  邮编: ٦٤٦٠٠٠")
    assert any("不是阿拉伯数字" in m for m in _errors(variant.write()))


def test_counts_and_amounts_beyond_the_sane_bound_name_the_cell(variant):
    variant.replace("    行政许可: 0", "    行政许可: " + "1" + "0" * 30)
    [found] = _errors(variant.write())
    assert "表二「第二十条第（五）项 行政许可」行「本年处理决定数量」栏" in found and "超出合理范围（上限 10 亿件）" in found


def test_names_with_backslashes_are_printed_literally(tmp_path, monkeypatch):
    from nianbao import build_file
    from nianbao.report_reader import read_report

    monkeypatch.chdir(tmp_path)
    seed = (Path(__file__).resolve().parents[1] / "data" / "龙马潭区" / "2024" / "安宁街道.yaml")
    text = seed.read_text(encoding="utf-8").replace("  机关: 安宁街道", "  机关: '安宁\\g<0>街道'")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    _, written = build_file(tmp_path / "a.yaml", tmp_path / "out")
    read = read_report(written)
    assert "安宁\\g<0>街道" in read.report.facts.get("标题", "") + read.report.facts.get("机关", "")


# --- faults ---------------------------------------------------------------------------------------------

DISTRICT = Path(__file__).resolve().parents[1] / "data" / "龙马潭区" / "2024"


def test_workers_exit_when_the_run_is_killed(tmp_path):
    import time

    script = textwrap.dedent(
        """
        import os, signal, sys, time
        from concurrent.futures import ProcessPoolExecutor
        from nianbao.batch import die_with_parent

        def pid_then_wait(_):
            time.sleep(0.2)
            return os.getpid()

        def wait(_):
            time.sleep(60)

        pool = ProcessPoolExecutor(2, initializer=die_with_parent, initargs=(os.getpid(),))
        pids = set(pool.map(pid_then_wait, range(4)))
        for _ in range(2):
            pool.submit(wait, 0)
        print(" ".join(map(str, sorted(pids))), flush=True)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    pids = [int(p) for p in result.stdout.split()]
    assert pids
    deadline = time.monotonic() + 5
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
    assert not alive, f"workers {alive} outlived the killed run"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


def test_a_killed_runs_temporary_files_are_removed_by_the_next_run(tmp_path):
    import os
    import time

    from nianbao import build_file

    out = tmp_path / "out"
    out.mkdir()
    name = "安宁街道2024年政府信息公开工作年度报告.docx"
    stale = out / f".{name}.ab12_xyz.tmp"
    fresh = out / f".{name}.cd34_xyz.tmp"  # another run may still be writing this one
    foreign = out / ".其他文件.docx.ab12_xyz.tmp"
    for path in (stale, fresh, foreign):
        path.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(foreign, (old, old))
    build_file(DISTRICT / "安宁街道.yaml", out)
    assert not stale.exists() and fresh.exists() and foreign.exists()


def test_the_overwrite_check_is_repeated_just_before_the_rename(tmp_path, monkeypatch):
    from nianbao import build_file
    from nianbao import render as render_module
    from nianbao.errors import OutputProtected

    _, target = build_file(DISTRICT / "安宁街道.yaml", tmp_path / "out")
    render = render_module.render_report

    import zipfile

    with zipfile.ZipFile(target) as archive:
        document = archive.read("word/document.xml")
    edited = _rewrite(target, tmp_path / "edited.docx",
                      {"word/document.xml": document.replace("安宁街道".encode(), "安宁街道（改）".encode(), 1)})

    def render_while_word_saves(report, report_dir):
        data = render(report, report_dir=report_dir)
        target.write_bytes(edited.read_bytes())  # an edit saved in Word during rendering
        return data

    monkeypatch.setattr(render_module, "render_report", render_while_word_saves)
    try:
        build_file(DISTRICT / "安宁街道.yaml", tmp_path / "out")
    except OutputProtected:
        pass
    else:
        raise AssertionError("an edit saved while rendering was overwritten")
    assert target.read_bytes() == edited.read_bytes()
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_folder_appearing_before_the_rename_is_said_as_a_folder(tmp_path, monkeypatch):
    from nianbao import build_file
    from nianbao import render as render_module
    from nianbao.errors import FileTrouble, OutputProtected

    _, target = build_file(DISTRICT / "安宁街道.yaml", tmp_path / "out")
    render = render_module.render_report

    def render_while_a_folder_appears(report, report_dir):
        data = render(report, report_dir=report_dir)
        target.unlink()
        target.mkdir()  # someone makes a folder under the report's name during rendering
        return data

    monkeypatch.setattr(render_module, "render_report", render_while_a_folder_appears)
    try:
        build_file(DISTRICT / "安宁街道.yaml", tmp_path / "out")
    except OutputProtected as wrong:
        raise AssertionError(f"a folder said as an edited or foreign file: {wrong.message}") from None
    except FileTrouble as trouble:
        assert "输出路径是一个文件夹，不能用文件替换它" in trouble.message
    else:
        raise AssertionError("a folder in the way was not said")
    assert target.is_dir()
    from nianbao.guard import OutputState, output_state

    assert output_state(target) is OutputState.FOLDER
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_the_guard_reads_only_the_properties_of_a_foreign_docx(tmp_path, monkeypatch):
    """A .docx without nianbao's properties is foreign: its other parts are never inflated."""
    from docx import Document

    from nianbao import guard
    from nianbao.guard import OutputState, output_state

    inflated: list[list[str]] = []
    real = guard.read_zip_parts

    def recorded(*args, **kwargs):
        parts = real(*args, **kwargs)
        inflated.append(sorted(parts))
        return parts

    monkeypatch.setattr(guard, "read_zip_parts", recorded)
    foreign = tmp_path / "foreign.docx"
    Document().save(str(foreign))
    assert output_state(foreign) is OutputState.FOREIGN
    assert inflated == [[]]  # python-docx writes no docProps/custom.xml: nothing else is inflated
    inflated.clear()
    ours = _built(tmp_path)
    assert output_state(ours) is OutputState.UNCHANGED  # ours: then every part, for the package fingerprint
    assert len(inflated) == 1 and "docProps/custom.xml" in inflated[0] and len(inflated[0]) > 10
    assert output_state(tmp_path) is OutputState.FOLDER


def test_os_errors_are_said_in_chinese_with_their_cause(tmp_path, monkeypatch):
    import errno
    import os

    from nianbao import FileTrouble
    from nianbao.write import write_atomic

    for number, cause in [(errno.ENOSPC, "磁盘已满"), (errno.EACCES, "没有写入权限"), (errno.EISDIR, "路径是文件夹")]:
        def failing(src, dst, number=number):
            raise OSError(number, os.strerror(number))

        monkeypatch.setattr(os, "replace", failing)
        try:
            write_atomic(tmp_path / "a.docx", b"data")
        except FileTrouble as trouble:
            assert cause in trouble.message and "No space" not in trouble.message
        else:
            raise AssertionError("no error")
        assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_a_name_too_long_names_the_data_line(variant):
    from nianbao import build_file
    from nianbao.errors import FileTrouble

    variant.replace("  机关: 安宁街道", "  机关: " + "安宁" * 45 + "街道")
    path = variant.write()
    try:
        build_file(path, variant.directory / "out")
    except FileTrouble as trouble:
        assert f"安宁街道.yaml:{variant.line_of('  机关: ')}" in trouble.message and "文件名过长" in trouble.message
    else:
        raise AssertionError("no error")


def test_the_summary_is_printed_when_the_workbook_cannot_be_written(tmp_path):
    from click.testing import CliRunner

    from nianbao.cli import cli

    out = tmp_path / "out"
    (out / "年报汇总.xlsx").mkdir(parents=True)  # the workbook's path is taken by a folder
    result = CliRunner().invoke(cli, ["build", str(DISTRICT), "-o", str(out), "-j", "1"], prog_name="nianbao")
    assert result.exit_code == 1, result.output
    assert "共 13 个机关：已生成 13" in result.stdout
    assert "年报汇总.xlsx：路径是文件夹" in result.stderr


def test_an_output_path_that_is_a_folder_is_said_so(tmp_path):
    from nianbao import FileTrouble, build_file

    (tmp_path / "out" / "安宁街道2024年政府信息公开工作年度报告.docx").mkdir(parents=True)
    try:
        build_file(DISTRICT / "安宁街道.yaml", tmp_path / "out", force=True)
    except FileTrouble as trouble:
        assert "输出路径是一个文件夹" in trouble.message
    else:
        raise AssertionError("no error")


def test_stale_temporaries_of_every_report_are_removed_though_the_folder_is_listed_once(tmp_path, monkeypatch):
    import os
    import time

    from nianbao import write

    out = tmp_path / "out"
    out.mkdir()
    old = time.time() - 3600
    stale = {name: out / f".{name}.ab12_xyz.tmp" for name in ("甲.docx", "乙.docx", "a.b.docx")}
    for path in stale.values():
        path.write_bytes(b"half")
        os.utime(path, (old, old))
    listed = []
    real_scandir = os.scandir
    monkeypatch.setattr(write.os, "scandir", lambda folder: listed.append(folder) or real_scandir(folder))
    for name, path in stale.items():
        write.write_atomic(out / name, b"report")
        assert not path.exists() and (out / name).read_bytes() == b"report"
    assert len(listed) == 1
    assert sorted(p.name for p in out.iterdir()) == ["a.b.docx", "乙.docx", "甲.docx"]


def test_a_looping_symlink_at_the_output_name_is_replaced_as_before(tmp_path) -> None:
    """A link to itself at the output name is "nothing there" (as Path.exists() says), not an OSError."""
    from nianbao.guard import OutputState, ensure_replaceable, output_state

    target = tmp_path / "a.docx"
    target.symlink_to(target.name)
    assert not target.exists()
    assert output_state(target) is OutputState.NEW
    assert ensure_replaceable(target) is OutputState.NEW
