"""Property-based: mutated data files and .docx reports never give a traceback, never a .docx written from
data with an error, and each case finishes in bounded time (Hypothesis deadline)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.cli import cli

SEED = Path(__file__).resolve().parents[1] / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"
SEED_TEXT = SEED.read_text(encoding="utf-8")
LINES = SEED_TEXT.splitlines()

FUZZ = settings(
    max_examples=25,
    deadline=timedelta(seconds=10),
    derandomize=True,  # the same examples on every run: CI verdicts do not change under it
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _run(args: list[str], directory: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args, prog_name="nianbao")
    shown = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in shown and "程序内部错误" not in shown, shown
    return result.exit_code, shown


def _key_line(index: int) -> int:
    keyed = [i for i, line in enumerate(LINES) if ":" in line and not line.lstrip().startswith("#")]
    return keyed[index % len(keyed)]


def _mutate(kind: str, where: int, payload: str) -> str:
    lines = list(LINES)
    i = _key_line(where)
    key, _, value = lines[i].partition(":")
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i + 1, lines[i])
    elif kind == "rename":
        lines[i] = f"{key}{payload[:3]}:{value}"
    elif kind == "swap-type":
        lines[i] = f"{key}: {payload}" if value.strip() else f"{key}: [{payload}]"
    elif kind == "truncate":
        return SEED_TEXT[: (where * 37) % len(SEED_TEXT)]
    return "\n".join(lines) + "\n"


@FUZZ
@given(
    kind=st.sampled_from(["delete", "duplicate", "rename", "swap-type", "truncate"]),
    where=st.integers(min_value=0, max_value=10_000),
    payload=st.sampled_from(["{a: 1}", "[1, 2]", "１２", "1e3", "''", "~", "&x 1", "*x", "!!str 1", "\\g<0>", "\t", "-"]),
)
def test_mutated_data_never_tracebacks_or_writes_a_report_with_errors(tmp_path_factory, kind, where, payload):
    directory = tmp_path_factory.mktemp("fuzz")
    data = directory / "安宁街道.yaml"
    data.write_text(_mutate(kind, where, payload), encoding="utf-8")
    out = directory / "out"
    check_code, _ = _run(["check", str(data)], directory)
    build_code, _ = _run(["build", str(data), "-o", str(out)], directory)
    written = list(out.glob("*.docx")) if out.exists() else []
    assert not list(directory.rglob("*.tmp"))  # no half-written file left behind
    assert check_code in (0, 1, 3) and build_code in (0, 1, 3)
    if check_code != 0:
        assert build_code != 0 and written == []  # never a .docx from data with an error
    else:
        assert build_code == 0 and len(written) == 1


@pytest.fixture(scope="module")
def built_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built")
    code, shown = _run(["build", str(SEED), "-o", str(out)], out)
    assert code == 0, shown
    return next(out.glob("*.docx"))


@FUZZ
@given(
    kind=st.sampled_from(["flip", "truncate", "drop-part", "garble-part"]),
    where=st.integers(min_value=0, max_value=1_000_000),
    byte=st.integers(min_value=0, max_value=255),
)
def test_mutated_reports_never_traceback(tmp_path_factory, built_report, kind, where, byte):
    directory = tmp_path_factory.mktemp("fuzzdocx")
    report_bytes = built_report.read_bytes()
    data = bytearray(report_bytes)
    if kind == "flip":
        data[where % len(data)] ^= byte or 1
    elif kind == "truncate":
        data = data[: where % len(data)]
    else:
        with zipfile.ZipFile(io.BytesIO(report_bytes)) as source:
            names = source.namelist()
            target = names[where % len(names)]
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
                for name in names:
                    part = source.read(name)
                    if name == target and kind == "drop-part":
                        continue
                    if name == target:
                        part = part[: where % (len(part) + 1)] + bytes([byte])
                    copy.writestr(name, part)
        data = bytearray(buffer.getvalue())
    report = directory / "报告.docx"
    report.write_bytes(bytes(data))
    code, _ = _run(["check", str(report)], directory)
    assert code in (0, 1, 3)
    assert sorted(p.name for p in directory.iterdir()) == ["报告.docx"]  # check writes nothing
