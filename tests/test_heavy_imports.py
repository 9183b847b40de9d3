"""The package starts and the renderer is loaded with the collector paused; frozen afterwards only in the command
line's process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

ONE_OFFICE = ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"

# Runs a one-office build in a fresh process, through the command line or the library, and says whether
# the collector ran while the renderer was imported, and whether Jinja's objects are still in its sight.
_SCRIPT = """
import gc, sys
from pathlib import Path
import nianbao.cli, nianbao.pipeline
collections_while_loading = []
def watch(phase, info):
    loading = sys.modules.get("nianbao.render")  # there from the start of its import, complete at its end
    if phase == "start" and loading is not None and not hasattr(loading, "render_report"):
        collections_while_loading.append(info["generation"])
gc.callbacks.append(watch)
gc.set_threshold(1)  # a collection at every allocation the collector may run at
out = Path(sys.argv[2])
if sys.argv[1].startswith("cli"):
    jobs = ["-j", "2"] if sys.argv[1] == "cli-j2" else []
    sys.argv = ["nianbao", "build", sys.argv[3], "-o", str(out), *jobs]
    try:
        nianbao.cli.main()
    except SystemExit as end:
        assert not end.code, end.code
else:
    nianbao.pipeline.build_file(sys.argv[3], out)
gc.set_threshold(700)
gc.callbacks.remove(watch)
import jinja2
in_sight = any(o is jinja2.Environment for o in gc.get_objects())
print(len(collections_while_loading), in_sight, gc.get_freeze_count() > 0)
"""


@pytest.mark.parametrize("way", ["cli", "cli-j2", "library"])
def test_the_renderer_is_loaded_without_collections(tmp_path: Path, way: str) -> None:
    source = ONE_OFFICE
    if way == "cli-j2":  # the renderer loaded in the main process before the workers fork (batch._run_in_pool)
        source = tmp_path / "district"
        source.mkdir()
        for name in ("_共同.yaml", ONE_OFFICE.name, "双加镇.yaml"):
            shutil.copy(ONE_OFFICE.parent / name, source / name)
    done = subprocess.run([sys.executable, "-c", _SCRIPT, way, str(tmp_path / "out"), str(source)],
                          capture_output=True, text=True, check=True)
    collections, in_sight, frozen = done.stdout.splitlines()[-1].split()  # after what the build says
    assert collections == "0"
    if way.startswith("cli"):  # the command line's process: Jinja's objects out of the collector's sight
        assert (in_sight, frozen) == ("False", "True")
    else:  # a library caller's collector is never frozen
        assert (in_sight, frozen) == ("True", "False")


def test_the_package_s_first_imports_run_without_collections() -> None:
    script = (
        "import gc, sys\n"
        "seen = []\n"
        "def watch(phase, info):\n"
        "    names = vars(sys.modules.get('nianbao', sys))  # from its first import to its caches loaded:\n"
        "    if 'importlib' in names and '_WHERE' not in names:\n"
        "        seen.append(phase)\n"
        "gc.callbacks.append(watch)\n"
        "gc.set_threshold(1)  # a collection at every allocation the collector may run at\n"
        "import nianbao\n"
        "gc.set_threshold(700)\n"
        "print(len(seen), gc.isenabled())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "True"]  # paused while the package starts, and left enabled
