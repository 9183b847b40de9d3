#!/usr/bin/env bash
# Install what the tests need on a fresh Debian machine, then run every check.
# This is the README's test command; .ci/run calls exactly this (as root, on a clean clone).
#  - Debian packages: probed without pipes that SIGPIPE could break; apt only when something is missing.
#    As root (or with sudo) the missing ones are installed; otherwise the script says which are missing and
#    the tests that need them are skipped with that reason (conftest.py probes again).
#  - Python: runtime dependencies upgraded to the newest that install, the test toolchain pinned in
#    requirements-test.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-noto-cjk fonts-arphic-ukai
          chromium chromium-driver)

installed() {  # dpkg-query prints the status of one package; no pipe, so no SIGPIPE
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [ "$status" = "install ok installed" ]
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${PACKAGES[@]}"; do
    installed "$package" || missing+=("$package")
  done
fi

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "提示：缺少这些 Debian 软件包：${missing[*]}" >&2
    echo "      请由管理员运行：sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    echo "      现在先运行其余测试；需要这些软件包的测试将标为“跳过”并写明原因。" >&2
  fi
fi

python3 -m pip install --quiet --disable-pip-version-check --upgrade --upgrade-strategy eager -e . \
  -r requirements-test.txt
lint=(src tests tools)
[ -d bench ] && lint+=(bench)
python3 -m ruff check "${lint[@]}"
python3 -m mypy
lint-imports --no-cache  # the import floors: pyproject.toml [tool.importlinter]
python3 -m pytest
