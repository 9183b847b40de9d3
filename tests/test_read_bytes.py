"""source.read_bytes asks first for the size the file has (one byte more), not for `limit + 1` bytes (a
buffer that large for every file): the same bytes and the same refusals as one read of `limit + 1`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nianbao.errors import FileTrouble
from nianbao.source import read_bytes


class _Stale(type(Path())):  # type: ignore[misc]
    """A path whose stat reports a size other than the file's, as for a file growing while it is read."""

    reported = 0

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        real = super().stat(follow_symlinks=follow_symlinks)
        fields = list(real)
        fields[6] = self.reported
        return os.stat_result(fields)


@pytest.mark.parametrize("size", [0, 1, 9, 10])
def test_a_file_within_the_limit_is_read_whole(tmp_path: Path, size: int) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"x" * size)
    assert read_bytes(path, "a.yaml", "数据文件", limit=10) == b"x" * size


@pytest.mark.parametrize("size", [11, 12, 100])
def test_a_file_over_the_limit_is_refused(tmp_path: Path, size: int) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"x" * size)
    with pytest.raises(FileTrouble, match="文件太大"):
        read_bytes(path, "a.yaml", "数据文件", limit=10)


@pytest.mark.parametrize(("size", "reported"), [(5, 0), (5, 3), (10, 2), (11, 2), (50, 4), (8, 20), (5, 5)])
def test_a_size_that_changed_since_stat_reads_what_one_read_would(tmp_path: Path, size: int, reported: int) -> None:
    (tmp_path / "a.yaml").write_bytes(bytes(range(size)))
    path = _Stale(tmp_path / "a.yaml")
    path.reported = reported
    if size > 10:
        with pytest.raises(FileTrouble, match="文件太大"):
            read_bytes(path, "a.yaml", "数据文件", limit=10)
    else:
        assert read_bytes(path, "a.yaml", "数据文件", limit=10) == bytes(range(size))


def test_no_limit_reads_everything(tmp_path: Path) -> None:
    path = tmp_path / "a.docx"
    path.write_bytes(b"y" * 5000)
    assert read_bytes(path, "a.docx", "Word 文档") == b"y" * 5000


def test_the_read_asks_for_the_files_size_not_the_limit(tmp_path: Path) -> None:
    asked: list[int] = []

    class _Counted(type(Path())):  # type: ignore[misc]
        def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            handle = super().open(*args, **kwargs)
            read = handle.read

            class _Handle:
                def __enter__(self):  # type: ignore[no-untyped-def]
                    return self

                def __exit__(self, *exc: object) -> None:
                    handle.close()

                def read(self, size: int = -1) -> bytes:
                    asked.append(size)
                    return read(size)

            return _Handle()

    (tmp_path / "a.yaml").write_bytes(b"z" * 300)
    assert read_bytes(_Counted(tmp_path / "a.yaml"), "a.yaml", "数据文件", limit=2 * 1024 * 1024) == b"z" * 300
    assert asked == [301]


def test_the_empty_file_check_never_runs_across_lines(tmp_path: Path) -> None:
    """A match of the empty-file check must not span line breaks: `^\\s*` did, so every line start of a run of
    blank lines rescanned the rest of the run (20,000 blank lines then a comment took seconds; 2 MB, hours)."""
    from nianbao.source import _CONTENT_LINE, load_source

    for text in ["\n" * 400 + "# 注释\n单位: 甲\n", "\n \n\t\n  单位: 甲", "# a\n\n  # b\n x: 1"]:
        found = _CONTENT_LINE.search(text)
        assert found is not None and "\n" not in found.group()
        assert found.group().strip() in {"单", "x"}
    assert _CONTENT_LINE.search("\n\n  # 只有注释\n\n") is None
    path = tmp_path / "blank.yaml"
    path.write_text("\n" * 50_000 + "# 注释\n单位: 甲\n", encoding="utf-8")
    load_source(path)  # read at once (about 40 s with the old pattern)
