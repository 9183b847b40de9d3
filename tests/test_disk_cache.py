"""The cache folder is used only when it is the user's own and no one else may write in it (POSIX)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao import disk_cache

from .conftest import ROOT

posix_only = pytest.mark.skipif(os.name != "posix", reason="owners and modes: POSIX")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "shared" / "nianbao"
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(folder))
    monkeypatch.delenv("NIANBAO_CACHE", raising=False)
    monkeypatch.setattr(disk_cache, "_warned", set())
    return folder


@posix_only
def test_a_missing_folder_is_made_private(folder):
    assert disk_cache.cache_dir() == folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    disk_cache.write_quietly(folder / "kind" / "entry.bin", b"data")
    assert stat.S_IMODE((folder / "kind").stat().st_mode) == 0o700
    assert disk_cache.read_quietly(folder / "kind" / "entry.bin") == b"data"


@posix_only
@pytest.mark.parametrize("others", [stat.S_IWGRP, stat.S_IWOTH])
def test_a_folder_others_may_write_in_is_not_used_and_said_once(folder, capsys, others):
    folder.mkdir(parents=True, mode=0o755)
    os.chmod(folder, 0o755)
    assert disk_cache.cache_dir() == folder and capsys.readouterr().err == ""
    os.chmod(folder, 0o755 | others)
    assert disk_cache.cache_dir() is None
    assert disk_cache.cache_dir() is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"缓存文件夹 {folder} 不属于当前用户或其他用户也能写入" in err
    assert "本次运行不使用缓存" in err


@posix_only
def test_a_folder_of_another_user_is_not_used(folder, monkeypatch, capsys):
    folder.mkdir(parents=True, mode=0o700)
    monkeypatch.setattr(os, "geteuid", lambda: folder.stat().st_uid + 1)
    assert disk_cache.cache_dir() is None
    assert "不属于当前用户" in capsys.readouterr().err


@posix_only
def test_an_entry_of_another_user_or_writable_by_others_is_not_read(folder, monkeypatch):
    entry = folder / "kind" / "entry.bin"
    disk_cache.write_quietly(entry, b"data")
    assert disk_cache.read_quietly(entry) == b"data"
    os.chmod(entry, 0o620)
    assert disk_cache.read_quietly(entry) is None
    os.chmod(entry, 0o600)
    owner = entry.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)
    assert disk_cache.read_quietly(entry) is None


def test_on_windows_the_folder_is_used_as_before(folder, monkeypatch, capsys):
    folder.mkdir(parents=True)
    os.chmod(folder, 0o777)
    (folder / "entry.bin").write_bytes(b"data")
    os.chmod(folder / "entry.bin", 0o666)
    monkeypatch.setattr(disk_cache, "_POSIX", False)
    assert disk_cache.cache_dir() == folder
    assert disk_cache.read_quietly(folder / "entry.bin") == b"data"
    assert capsys.readouterr().err == ""


@posix_only
def test_a_run_with_a_shared_cache_folder_goes_without_caches(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    environment = {**os.environ, "NIANBAO_CACHE_DIR": str(shared)}
    environment.pop("NIANBAO_CACHE", None)
    done = subprocess.run([sys.executable, "-m", "nianbao", "build", str(ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"),
                           "-o", str(tmp_path / "out")], capture_output=True, text=True, env=environment)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count(f"缓存文件夹 {shared} ") == 1
    assert list(shared.iterdir()) == []  # nothing written there either
    assert list((tmp_path / "out").glob("*.docx"))


@posix_only
def test_the_usual_folder_made_before_folders_were_private_is_made_private(tmp_path, monkeypatch, capsys):
    """~/.cache/nianbao made under umask 002 by an older nianbao: the user's own, tightened, not refused."""
    monkeypatch.delenv("NIANBAO_CACHE_DIR", raising=False)
    monkeypatch.delenv("NIANBAO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(disk_cache, "_warned", set())
    usual = tmp_path / "nianbao"
    usual.mkdir()
    usual.chmod(0o775)
    assert disk_cache.cache_dir() == usual
    assert stat.S_IMODE(usual.stat().st_mode) == 0o700
    assert capsys.readouterr().err == ""


@posix_only
def test_a_folder_named_by_the_user_is_not_changed(folder, capsys):
    folder.mkdir(parents=True)
    folder.chmod(0o775)
    assert disk_cache.cache_dir() is None
    assert stat.S_IMODE(folder.stat().st_mode) == 0o775
    assert "chmod 700" in capsys.readouterr().err


@posix_only
def test_jinja_s_own_folder_is_private_and_used_only_when_it_is_the_user_s_own(folder, monkeypatch):
    folder.mkdir(parents=True, mode=0o700)
    made = disk_cache.private_subfolder(folder, "jinja")
    assert made == folder / "jinja" and stat.S_IMODE(made.stat().st_mode) == 0o700
    (folder / "file").write_bytes(b"")
    assert disk_cache.private_subfolder(folder, "file") is None
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(made).st_uid + 1)  # another user's folder
    assert disk_cache.private_subfolder(folder, "jinja") is None


@posix_only
def test_jinja_s_folder_made_by_an_older_nianbao_is_made_private_and_cleared_of_others_files(folder):
    """Made 775 under umask 002: tightened, and a file someone else could have written is removed (Jinja
    reads its bytecode files without our checks); the user's own private entries stay."""
    folder.mkdir(parents=True, mode=0o700)
    jinja = folder / "jinja"
    jinja.mkdir()
    jinja.chmod(0o775)
    (jinja / "own.cache").write_bytes(b"kept")
    (jinja / "own.cache").chmod(0o600)
    (jinja / "planted.cache").write_bytes(b"x")
    (jinja / "planted.cache").chmod(0o666)
    assert disk_cache.private_subfolder(folder, "jinja") == jinja
    assert stat.S_IMODE(jinja.stat().st_mode) == 0o700
    assert sorted(p.name for p in jinja.iterdir()) == ["own.cache"]


@posix_only
def test_a_prepared_template_entry_others_may_write_is_not_read(tmp_path, monkeypatch):
    """The prepared template is source Jinja compiles: an entry writable by others is not read."""
    from nianbao import template_cache

    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NIANBAO_CACHE", raising=False)
    prepared = {"head": "<w:document>", "tail": "</w:document>", "body": "{{ x }}", "extra": {},
                "fix_tables": False, "unescape_markers": False}
    template_cache.store_prepared("0" * 64, prepared)
    assert template_cache.load_prepared("0" * 64) == prepared  # the user's own entry is read
    path = template_cache._prepared_path("0" * 64)
    assert path is not None
    path.chmod(0o666)
    assert template_cache.load_prepared("0" * 64) is None
