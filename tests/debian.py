"""Which Debian packages a test needs, probed the same way as tools/run-tests.sh (dpkg-query, then the
program itself): a test whose packages are missing is skipped with the packages and the command to
install them, never passed silently."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

import pytest

# Programs that show a package is usable even where dpkg does not know it (another distribution).
_PROGRAMS = {"libreoffice-writer-nogui": "soffice", "poppler-utils": "pdftoppm", "chromium": "chromium"}


@cache
def package_present(package: str) -> bool:
    program = _PROGRAMS.get(package)
    if program is not None and shutil.which(program) is not None:
        return True
    if shutil.which("dpkg-query") is None:
        return False
    done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return done.returncode == 0 and done.stdout == "install ok installed"


def needs_debian(*packages: str) -> pytest.MarkDecorator:
    """A skip marker that names the missing packages and the one command that installs them."""
    missing = [p for p in packages if not package_present(p)]
    return pytest.mark.skipif(
        bool(missing),
        reason=f"缺少 Debian 软件包 {' '.join(missing)}：请运行 sudo apt-get install -y {' '.join(missing)}",
    )


LIBREOFFICE = ("libreoffice-writer-nogui", "fonts-noto-cjk")
