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


def test_places_of_offices_of_one_name_are_ordered_by_their_files_across_the_offices() -> None:
    from nianbao.batch import ReviewSpill
    from nianbao.problems import Location
    from nianbao.review import PlaceRecords, _repeats
    from nianbao.same_text import SameTextFinder, TextPlace, settings_for
    from nianbao.spec import load_spec, resolve_template

    settings = settings_for(load_spec(resolve_template(None)))
    text = "坚持把政务公开与基层治理相结合，每季度召开一次联席会议研究公开事项，由纪检干部全程监督{n}。"
    part = "六、其他需要报告的事项"
    # 乙街道 twice (files b/ then a/: the second office's file sorts first); 甲街道 with a paragraph from the
    # district's shared file too (its own files ranked among themselves).
    offices = [
        [TextPlace("乙街道", "2024", part, Location("/srv/b/乙街道.yaml", 3), text.format(n=""))],
        [TextPlace("甲街道", "2024", part, Location("/srv/甲街道.yaml", 2), text.format(n="")),
         TextPlace("甲街道", "2024", part, Location("/srv/_共同.yaml", 7), text.format(n="，逐月通报"))],
        [TextPlace("乙街道", "2024", part, Location("/srv/a/乙街道.yaml", 9), text.format(n=""))],
    ]
    names = [places[0].office for places in offices]
    spill, records = ReviewSpill(), PlaceRecords()
    this_year = {index: spill.put(places) for index, places in enumerate(offices)}
    groups = _repeats(SameTextFinder(settings, set(names)), this_year, {}, records, names)
    keys = [(place.office, place.location) for group in groups for place in group.places]
    assert keys == sorted(keys) and len(keys) == 4
    assert [str(location) for _, location in keys] == [
        "/srv/a/乙街道.yaml:9", "/srv/b/乙街道.yaml:3", "/srv/_共同.yaml:7", "/srv/甲街道.yaml:2"]
    records.close()
    spill.close()
