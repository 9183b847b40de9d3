"""The probe behind the skip markers: a missing package gives a skip with its name and install command."""

from __future__ import annotations

from .debian import needs_debian, package_present


def test_missing_package_skips_with_name_and_command() -> None:
    marker = needs_debian("nianbao-no-such-package")
    assert marker.args == (True,)
    assert marker.kwargs["reason"] == (
        "缺少 Debian 软件包 nianbao-no-such-package：请运行 sudo apt-get install -y nianbao-no-such-package"
    )


def test_present_package_does_not_skip() -> None:
    assert package_present("dpkg") or package_present("bash")
    assert needs_debian("bash" if package_present("bash") else "dpkg").args == (False,)
