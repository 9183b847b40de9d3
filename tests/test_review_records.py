"""The same-text groups of a district review keep only numbers of records in a temporary file
(review.PlaceRecords), not the paragraphs: the groups read back, and the warnings made office by office,
are exactly those of the paragraphs held in memory (the reference model of tests/same_text_reference.py), and no
file stays open or behind when the review fails half-way."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from nianbao.batch import ReviewSpill
from nianbao.problems import Location
from nianbao.review import PlaceRecords, _repeats, _Warnings, review_district
from nianbao.runs import build_paths
from nianbao.same_text import PER_OFFICE, SameTextFinder, TextPlace, link_pairs, settings_for
from nianbao.spec import load_spec, resolve_template

from .same_text_reference import group_repeats, groups_of, repeat_problems
from .test_review import make_district
from .test_review_spill import _open_spills, private_tmp  # noqa: F401 - the fixture

COPIED = "{o}坚持把政务公开与基层治理相结合，每季度召开一次联席会议研究公开事项，由纪检干部全程监督并通报。"
PAIRED = "{o}建立政府信息公开申请登记、审核、办理、答复、归档全流程台账，逐件明确承办人和办理时限，按月对账。"
OWN = "{o}本年度围绕第{n}项重点工作开展了专题培训和实地督导，形成了可复制的经验做法并向全区推广应用。"


def _place(office: str, line: int, text: str, part: str = "六、其他需要报告的事项") -> TextPlace:
    return TextPlace(office, "2024", part, Location(f"/srv/区/2024/{office}.yaml", line), text)


def _district() -> tuple[list[list[TextPlace]], list[TextPlace]]:
    # 乙街道 is named twice (two files): its warnings go by name, to both, as repeat_problems gives them.
    names = ["甲街道", "乙街道", "丙街道", "丁街道", "乙街道", "戊镇"]
    offices = []
    for number, name in enumerate(names):
        places = [_place(name, 20 - number, OWN.format(o=name, n=number * 7 + 1), "一、总体情况"),
                  _place(name, 3 + number, COPIED.format(o=name))]
        if number in (1, 3):
            places.insert(0, _place(name, 40, PAIRED.format(o=name), "二、主动公开"))
        offices.append(places)
    last_year = [TextPlace("甲街道", "2023", "一、总体情况", Location("/srv/区/2023/甲街道.yaml", 9),
                           OWN.format(o="甲街道", n=1)),
                 TextPlace("甲街道", "2023", "六、其他需要报告的事项", Location("/srv/区/2023/甲街道.yaml", 30),
                           COPIED.format(o="甲街道"))]
    return offices, last_year


def test_kept_groups_and_warnings_are_those_of_the_paragraphs_held_in_memory(private_tmp: Path) -> None:  # noqa: F811
    settings = settings_for(load_spec(resolve_template(None)))
    offices, last_places = _district()
    names = {p.office for places in offices for p in places}
    finder = SameTextFinder(settings, names)
    spill = ReviewSpill()
    this_year = {index: spill.put(places) for index, places in enumerate(offices)}
    records = PlaceRecords()
    kept = _repeats(finder, this_year, {0: spill.put(last_places)}, records,
                    [places[0].office for places in offices])

    def place(key: int) -> TextPlace:
        return offices[key // PER_OFFICE][key % PER_OFFICE]

    expected = [*groups_of(link_pairs(finder.pairs_across(enumerate(offices))), place),
                *group_repeats(finder.against_last_year(offices[0], last_places))]
    assert [(list(g.places), g.similarity, g.last_year) for g in kept] == [
        (g.places, g.similarity, g.last_year) for g in expected]
    # Six offices' two texts (the numbers do not count), one pair, and 甲街道's two paragraphs of last year.
    assert [(len(g), g.last_year) for g in kept] == [(6, False), (6, False), (2, False), (2, True), (2, True)]
    warnings = _Warnings(kept, records, [places[0].office for places in offices])
    by_office = repeat_problems(expected)
    assert set(by_office) == names
    for name in names:
        assert warnings.of(name) == by_office[name], name
    assert warnings.of("没有这个单位") == []
    assert os.listdir(private_tmp) == []
    records.close()
    spill.close()


def test_records_are_read_back_by_number_and_found_by_office(private_tmp: Path) -> None:  # noqa: F811
    records = PlaceRecords()
    first = records.put(_place("甲街道", 3, "甲"), 0)
    second, third = records.put(_place("乙街道", 4, "乙"), 2), records.put(_place("乙街道", 5, "乙二"), 2)
    assert (first, second, third, len(records)) == (0, 1, 2, 3)
    assert records[2] == _place("乙街道", 5, "乙二") and records[0] == _place("甲街道", 3, "甲")
    assert (records.of_office(0), records.of_office(1), records.of_office(2)) == (range(0, 1), range(1, 1), range(1, 3))
    assert len(_open_spills()) == 1 and os.listdir(private_tmp) == []
    records.close()
    assert _open_spills() == []


def test_a_review_failing_half_way_leaves_no_record_file_open_or_behind(
        private_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    folder = make_district(tmp_path / "2024")
    result = build_paths([folder], out_dir=tmp_path / "out", jobs=1, write_summary=False)
    assert len(_open_spills()) == 1  # the outcomes'

    def broken(self: TextPlace) -> str:
        raise RuntimeError("half-way")

    monkeypatch.setattr(TextPlace, "describe", broken)  # met once records were put (the groups' first places)
    with pytest.raises(RuntimeError, match="half-way"):
        review_district(result.outcomes)
    assert len(_open_spills()) == 1 and os.listdir(private_tmp) == []  # closed at once, not when collected
    del result
    gc.collect()
    assert _open_spills() == [] and os.listdir(private_tmp) == []


def test_a_paragraph_is_pickled_by_its_constructor_and_comes_back_equal() -> None:
    import pickle

    place = _place("甲街道", 7, "一段文字")
    assert place.__reduce__() == (TextPlace, ("甲街道", "2024", "六、其他需要报告的事项", place.location, "一段文字"))
    assert pickle.loads(pickle.dumps([place, place], pickle.HIGHEST_PROTOCOL)) == [place, place]
