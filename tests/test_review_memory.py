"""The review's memory-saving paths: file names taken as text (no pathlib, which interns every part of
every path it parses), and same-text linking in arrays instead of dicts of Python ints."""

from __future__ import annotations

import os
import random
from array import array
from pathlib import Path, PurePath

from nianbao.district import previous_year_path, previous_year_text
from nianbao.review_page import _file_shown
from nianbao.same_text import PER_OFFICE, _KeyNumbers, link_pairs


def _reference_link_pairs(pairs: list[tuple[int, int, float]]) -> list[tuple[list[int], float]]:
    """link_pairs as it was, with dicts: the sets and their order must stay exactly these."""
    parent: dict[int, int] = {}

    def root(key: int) -> int:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    best: dict[int, float] = {}
    for one, two, similarity in pairs:
        a, b = root(one), root(two)
        if a != b:
            parent[b] = a
            best[a] = max(best.get(a, 0.0), best.pop(b, 0.0))
        best[a] = max(best.get(a, 0.0), similarity)
    members: dict[int, list[int]] = {}
    for key in parent:
        members.setdefault(root(key), []).append(key)
    return [(keys, best[head]) for head, keys in members.items()]


def test_link_pairs_keeps_the_sets_and_their_order_in_arrays() -> None:
    for trial in range(400):
        rng = random.Random(trial)
        keys = [rng.randrange(60) * PER_OFFICE + rng.randrange(40) for _ in range(rng.randint(1, 80))]
        pairs = [(rng.choice(keys), rng.choice(keys), rng.choice([0.7, 0.75, 0.9, 1.0]))
                 for _ in range(rng.randint(0, 120))]
        linked = link_pairs(iter(pairs))
        assert all(isinstance(keys, array) for keys, _ in linked)
        assert [(list(keys), best) for keys, best in linked] == _reference_link_pairs(pairs)


def test_link_pairs_of_a_text_copied_by_thousands_of_offices() -> None:
    # A chain as pairs_across yields it for identical paragraphs: every office's paragraph 3 to the first.
    pairs = [(3, office * PER_OFFICE + 3, 1.0) for office in range(1, 5000)]
    [(keys, best)] = link_pairs(pairs)
    assert list(keys) == [office * PER_OFFICE + 3 for office in range(5000)]
    assert best == 1.0


def test_key_numbers_are_given_in_the_order_first_seen_and_survive_growing() -> None:
    numbers = _KeyNumbers()
    keys = [office * PER_OFFICE + paragraph for office in range(300) for paragraph in (0, 1, 7)]
    assert [numbers.number(key) for key in keys] == list(range(len(keys)))
    assert [numbers.number(key) for key in reversed(keys)] == list(reversed(range(len(keys))))
    assert list(numbers.keys) == keys


def test_file_shown_is_the_name_pathlib_gives() -> None:
    for path in ["a/b.yaml", "/x/y/安宁街道.yaml", "b.yaml", "", ".", "..", "a/./", "a/b/", "/", "//a", "a/..",
                 "./x"]:
        assert _file_shown(path) == PurePath(path).name
    assert _file_shown("/data/2024/安宁街道.yaml (第 2 张表)") == "安宁街道.yaml (第 2 张表)"


def test_previous_year_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "2024"
    folder.mkdir()
    office = folder / "安宁街道.yaml"
    text = previous_year_text(str(office), "2024")
    assert isinstance(text, str)
    assert text == os.path.join(str(tmp_path), "2023", "安宁街道.yaml")
    assert previous_year_path(office, "2024") == Path(text)
    assert previous_year_text(str(office), "2023") is None
    assert previous_year_path(office, "abcd") is None
