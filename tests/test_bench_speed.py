"""The pure parts of the speed benchmark (bench/speed.py, bench/zip_floor.py): what the zip floor is given
and writes. The timings themselves are never tested (see bench/README.md)."""

from __future__ import annotations

import importlib.util
import io
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

from nianbao.zippack import REPORT_LEVEL

from .conftest import ROOT


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


speed = _load("speed")
zip_floor = _load("zip_floor")


def _docx(path: Path, members: list[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)


def _three_reports(folder: Path) -> list[list[tuple[str, bytes]]]:
    folder.mkdir()
    reports = [[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", f"<d>{i}</d>".encode() * 50),
                ("word/styles.xml", b"<styles/>" * 40)] for i in range(3)]
    for index, members in enumerate(reports):
        _docx(folder / f"{index}.docx", members)
    return reports


def test_the_floor_input_is_the_inflated_members_and_holds_a_shared_member_once(tmp_path):
    reports = _three_reports(tmp_path / "reports")
    samples = speed.extract_samples(tmp_path / "reports")
    assert samples == reports
    assert samples[0][2][1] is samples[2][2][1]  # equal bytes: one object, pickled once
    speed.write_floor_input(tmp_path / "reports", tmp_path / "floor.pickle")
    with (tmp_path / "floor.pickle").open("rb") as handle:
        loaded = pickle.load(handle)
    assert loaded["samples"] == reports
    assert loaded["varying"] == ["word/document.xml"]
    assert loaded["report_level"] == REPORT_LEVEL


def test_the_floor_child_imports_neither_nianbao_nor_the_bench_and_reads_no_docx(tmp_path):
    """The floor child's whole process is start-up, a few standard modules, one pickle and the zips."""
    reports = _three_reports(tmp_path / "reports")
    speed.write_floor_input(tmp_path / "reports", tmp_path / "floor.pickle")
    for path in (tmp_path / "reports").iterdir():
        path.unlink()  # the child cannot read a report: it has to work from the pickle
    probe = ("import runpy, sys; sys.argv = sys.argv[1:]; "
             "runpy.run_path(sys.argv[0], run_name='__main__'); "
             "print(sorted(m for m in sys.modules if m.startswith(('nianbao', 'docx', 'speed', 'make_sample'))))")
    done = subprocess.run([sys.executable, "-c", probe, str(speed.FLOOR_CHILD), str(tmp_path / "floor.pickle"),
                           str(tmp_path / "out"), "5", "6"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    written = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in written] == [f"{i:05d}.zip" for i in range(5)]
    for index, path in enumerate(written):
        with zipfile.ZipFile(path) as archive:
            assert [(i.filename, archive.read(i)) for i in archive.infolist()] == reports[index % 3]
            assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}


def _deflated_size(name: str, data: bytes, level: int) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr(name, data)
    with zipfile.ZipFile(buffer) as archive:
        return archive.getinfo(name).compress_size


def test_the_floor_deflates_each_member_at_its_level(tmp_path):
    data = b"<w:t>" + bytes(range(256)) * 200
    zip_floor.write_zips([[("a.xml", data), ("b.xml", data)]], {"a.xml": 1}, tmp_path, 1)
    with zipfile.ZipFile(tmp_path / "00000.zip") as archive:
        sizes = {info.filename: info.compress_size for info in archive.infolist()}
    expected = {"a.xml": _deflated_size("a.xml", data, 1), "b.xml": _deflated_size("b.xml", data, 6)}
    assert expected["a.xml"] != expected["b.xml"]  # the two levels tell apart on this data
    assert sizes == expected


def test_the_members_that_vary_are_those_not_the_same_in_every_sample():
    samples = [[("[Content_Types].xml", b"<T/>"), ("word/document.xml", b"<d>1</d>"), ("docProps/core.xml", b"<c/>")],
               [("[Content_Types].xml", b"<T/>"), ("word/document.xml", b"<d>2</d>"), ("docProps/core.xml", b"<c/>"),
                ("docProps/custom.xml", b"<p/>")],
               [("[Content_Types].xml", b"<T/>"), ("word/document.xml", b"<d>1</d>"), ("docProps/core.xml", b"<c/>")]]
    # document: differs in one sample; custom: missing from two. Names, not positions, decide.
    assert speed.varying_members(samples) == ["word/document.xml", "docProps/custom.xml"]
    assert speed.varying_members([samples[0], samples[2]]) == []
    assert speed.varying_members([]) == []


def test_the_same_levels_floor_deflates_the_varying_members_at_the_report_level(tmp_path):
    data = b"<w:t>" + bytes(range(256)) * 200
    reports = tmp_path / "reports"
    reports.mkdir()
    _docx(reports / "a.docx", [("fixed.xml", data), ("varies.xml", data)])
    _docx(reports / "b.docx", [("fixed.xml", data), ("varies.xml", data + b"b")])
    speed.write_floor_input(reports, tmp_path / "floor.pickle")
    sizes = {}
    for mode in ("6", "same"):
        subprocess.run([sys.executable, str(speed.FLOOR_CHILD), str(tmp_path / "floor.pickle"),
                        str(tmp_path / mode), "1", mode], check=True)
        with zipfile.ZipFile(tmp_path / mode / "00000.zip") as archive:
            sizes[mode] = {info.filename: info.compress_size for info in archive.infolist()}
    # The one zip written holds sample 0's members (a.docx's).
    assert sizes["6"] == {"fixed.xml": _deflated_size("fixed.xml", data, 6), "varies.xml": _deflated_size("v", data, 6)}
    assert sizes["same"] == {"fixed.xml": _deflated_size("fixed.xml", data, 6),
                             "varies.xml": _deflated_size("v", data, REPORT_LEVEL)}


def test_the_variants_and_ratios_name_both_floors():
    assert {"floor", "floor-same-levels"} <= set(speed.ALL_VARIANTS)
    runs = [{"run": v, "variant": v, "n": 10, "round": 1, "cpu_s": cpu, "wall_s": cpu, "exit": 0}
            for v, cpu in (("nianbao-j1", 3.0), ("floor", 1.0), ("floor-same-levels", 0.75))]
    line = speed.ratios(runs, speed.summarise(runs))[0]
    assert line["nianbao_j1_over_floor_cpu"] == 3.0
    assert line["nianbao_j1_over_floor_same_levels_cpu"] == 4.0


def _run(variant: str, cpu: float, **fields: object) -> dict[str, object]:
    return {"run": variant, "variant": variant, "n": 10, "round": 1, "cpu_s": cpu, "wall_s": cpu, "exit": 0, **fields}


def test_a_run_is_good_only_with_exit_0_and_every_expected_report():
    assert speed.run_problem(_run("floor", 1.0, expected_outputs=10, outputs=10)) is None
    assert speed.run_problem(_run("floor", 1.0, exit=1, expected_outputs=10, outputs=10)) == "exit code 1"
    assert speed.run_problem(_run("floor", 1.0, expected_outputs=10, outputs=9)) == "wrote 9 of 10 expected reports"
    assert speed.run_problem(_run("one-check", 1.0)) is None  # writes nothing: the exit code alone
    assert speed.run_problem(_run("one-check", 1.0, exit=3)) == "exit code 3"
    assert speed.run_problem({"run": "floor"}) == "exit code None"


def test_failed_runs_count_in_no_summary_and_no_ratio(capsys):
    lines = [{"bench": "nianbao speed"},
             _run("nianbao-j1", 3.0, expected_outputs=10, outputs=10),
             {**_run("nianbao-j1", 0.1, expected_outputs=10, outputs=2), "round": 2},  # stopped early: fast
             {**_run("nianbao-j1", 0.2, exit=2), "round": 3},
             _run("floor", 1.0, expected_outputs=10, outputs=10)]
    assert speed.good_runs(lines) == [lines[1], lines[4]]
    out = speed.summary_lines(lines)
    mine = next(line for line in out if line.get("summary") == "nianbao-j1")
    assert mine["rounds"] == 1 and mine["cpu_s_median"] == 3.0
    assert next(line for line in out if "ratios" in line)["nianbao_j1_over_floor_cpu"] == 3.0
    said = capsys.readouterr().err
    assert "nianbao-j1 N = 10 round 2: wrote 2 of 10 expected reports" in said
    assert "nianbao-j1 N = 10 round 3: exit code 2" in said


def test_the_outputs_of_a_run_are_the_reports_written_since_it_started(tmp_path):
    (tmp_path / "old.docx").write_bytes(b"")
    stamp = tmp_path / "stamp"
    stamp.write_bytes(b"")
    since = stamp.stat().st_mtime_ns
    os.utime(tmp_path / "old.docx", ns=(since - 10**9, since - 10**9))
    for name in ("a.docx", "b.zip", "汇总表.xlsx", "review/index.html"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    assert speed.count_outputs(tmp_path, since) == 2
    assert speed.count_outputs(tmp_path / "missing", since) == 0
    assert [speed.expected_outputs(v, 200) for v in ("nianbao-j2", "plain-j1", "floor-same-levels", "one-build",
                                                    "one-check", "check-200")] == [200, 200, 200, 1, None, None]


def test_no_child_is_told_it_draws_on_a_terminal(tmp_path):
    caller = {"FORCE_COLOR": "1", "TTY_COMPATIBLE": "1", "PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin"}
    env = speed.child_environment(caller, tmp_path)
    assert not {"FORCE_COLOR", "TTY_COMPATIBLE", "PYTHONDONTWRITEBYTECODE"} & set(env)
    assert env["PATH"] == "/usr/bin" and env["NIANBAO_CACHE_DIR"] == str(tmp_path / "cache")
    # With that environment and stdout not a terminal, nianbao writes its summary as plain text.
    probe = ("from nianbao.summary import plain_table; "
             "out = open('/dev/null', 'w', encoding='utf-8'); "
             "print(plain_table('h', 'c', ['a'], [['1']], ['2'], out) is not None)")
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
