"""The same-text groups of a district review are sorted as before their sort keys were made compact
(review._repeats keeps three numbers a paragraph): each group's places by office name, then file, then
line, and the groups by their first place."""

from __future__ import annotations

from pathlib import Path

from nianbao.review import _ranks, review_district
from nianbao.runs import build_paths

from .test_review import make_district


def test_ranks_are_the_sorted_order_of_the_strings() -> None:
    assert list(_ranks({"乙": 0, "甲": 1, "丙": 2, "a": 3})) == [2, 3, 1, 0]  # a < 丙 < 乙 < 甲 (code points)
    assert list(_ranks({})) == []


def test_the_groups_and_their_places_are_in_office_then_place_order(tmp_path: Path) -> None:
    folder = make_district(tmp_path / "2024")
    # A copy whose name sorts before every other office while its file sorts last: the order is by name.
    copied = (folder / "雷同街道.yaml").read_text(encoding="utf-8")
    (folder / "龙马潭区雷同二号.yaml").write_text(copied.replace("雷同街道", "一雷同街道"), encoding="utf-8")
    result = build_paths([folder], out_dir=tmp_path / "out", jobs=1, write_summary=False)
    review = review_district(result.outcomes)
    across = [group for group in review.repeats if not group.last_year]
    assert across and any(len(group) > 2 for group in across)
    firsts = []
    for group in across:
        keys = [(place.office, place.location) for place in group.places]
        assert keys == sorted(keys)
        firsts.append(keys[0])
    assert firsts == sorted(firsts)
    assert any(key[0] == "一雷同街道" for key in firsts)
    review.close_places()
