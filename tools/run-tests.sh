#!/usr/bin/env bash
# Install what the tests need on a fresh Debian machine, then run every check.
# This is the README's test command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-writer-nogui)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK\|Noto Serif CJK" || need_apt+=(fonts-noto-cjk)
if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${need_apt[@]}"
  else
    echo "提示：无法自动安装 ${need_apt[*]}（没有 apt-get），依赖 LibreOffice 的测试将被跳过。" >&2
  fi
fi

python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
lint=(src tests tools)
[ -d bench ] && lint+=(bench)
python3 -m ruff check "${lint[@]}"
python3 -m mypy
lint-imports --no-cache  # the import floors: pyproject.toml [tool.importlinter]
python3 -m pytest
