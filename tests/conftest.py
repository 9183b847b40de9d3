"""Shared helpers: the seed office's data file and variants of it with one line changed."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_DATA = ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"
SEED_TEXT = ROOT / "tests" / "fixtures" / "seed-安宁街道-2024.txt"  # the seed: a real published report, tables flattened to text


def seed_text_path() -> Path:
    return SEED_TEXT


class Variant:
    """A copy of the seed data file with some lines replaced; knows the line number of each replacement."""

    def __init__(self, directory: Path, name: str = "安宁街道.yaml") -> None:
        self.directory = directory
        self.name = name
        self.text = SEED_DATA.read_text(encoding="utf-8")

    def replace(self, old: str, new: str) -> Variant:
        assert self.text.count(old) == 1, f"{old!r} must occur exactly once in the seed data"
        self.text = self.text.replace(old, new)
        return self

    def line_of(self, fragment: str) -> int:
        for number, line in enumerate(self.text.splitlines(), start=1):
            if fragment in line:
                return number
        raise AssertionError(f"{fragment!r} not in the variant")

    def write(self) -> Path:
        path = self.directory / self.name
        path.write_text(self.text, encoding="utf-8")
        return path


@pytest.fixture
def variant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Variant:
    monkeypatch.chdir(tmp_path)  # messages then name the file as "安宁街道.yaml"
    return Variant(tmp_path)


@pytest.fixture(autouse=True, scope="session")
def _private_template_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The template cache of the test run lives in a temporary folder, never in the user's ~/.cache."""
    import os

    os.environ["NIANBAO_CACHE_DIR"] = str(tmp_path_factory.mktemp("nianbao-cache"))
