"""Written files get the permissions of any normal program: umask for new files, the old mode when replacing."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from nianbao.write import write_atomic


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_umask_permissions(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "报告.docx"
    write_atomic(target, b"x")
    assert mode(target) == 0o644


def test_new_file_under_a_stricter_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        write_atomic(tmp_path / "a.yaml", b"x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a.yaml") == 0o600


def test_replacing_keeps_the_files_mode(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "报告.docx"
    target.write_bytes(b"old")
    target.chmod(0o664)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert mode(target) == 0o664


def test_built_report_is_0644(tmp_path: Path, umask_022: None) -> None:
    from nianbao import build_file

    district = Path(__file__).resolve().parents[1] / "data" / "龙马潭区" / "2024"
    _, written = build_file(district / "安宁街道.yaml", out_dir=tmp_path, defaults=[district / "_共同.yaml"])
    assert mode(written) == 0o644
