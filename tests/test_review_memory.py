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


def _peak_of_repeats(count: int) -> int:
    """The traced peak of review._repeats over `count` offices (no last year), each with its own name and
    file and a paragraph copied by all of them, above what was held before."""
    import tracemalloc

    from nianbao.batch import ReviewSpill
    from nianbao.problems import Location
    from nianbao.review import PlaceRecords, _repeats
    from nianbao.same_text import SameTextFinder, TextPlace, settings_for
    from nianbao.spec import load_spec, resolve_template

    settings = settings_for(load_spec(resolve_template(None)))
    text = "{o}坚持把政务公开与基层治理相结合，每季度召开一次联席会议研究公开事项，由纪检干部全程监督。"
    names = [f"第{number:05d}号示例街道" for number in range(count)]
    spill, records = ReviewSpill(), PlaceRecords()
    this_year = {index: spill.put([TextPlace(name, "2024", "六、其他需要报告的事项",
                                             Location(f"/srv/示例区/2024/{name}.yaml", 3), text.format(o=name))])
                 for index, name in enumerate(names)}
    finder = SameTextFinder(settings, set(names))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        groups = _repeats(finder, this_year, {}, records, names)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
        records.close()
        spill.close()
    assert [len(group) for group in groups] == [count]
    return peak


def test_the_same_text_groups_of_a_district_grow_memory_little_per_office() -> None:
    small, large = _peak_of_repeats(250), _peak_of_repeats(1000)
    # Per office above 250 offices: the paragraph's key and a few numbers in arrays. Holding each office's
    # name and file as text to sort the places, and the finder's folded names to the end, was ~1 KB.
    assert (large - small) / 750 < 400


def test_linking_the_repeats_of_a_district_costs_a_few_numbers_a_paragraph() -> None:
    import tracemalloc

    # 4,000 offices each copying 5 paragraphs of the next: 20,005 paragraphs linked in 5 sets.
    pairs = [(office * PER_OFFICE + p, (office + 1) * PER_OFFICE + p, 1.0) for office in range(4000) for p in range(5)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        linked = link_pairs(iter(pairs))
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert [len(keys) for keys, _ in linked] == [4001] * 5
    # The key and its best similarity (8 bytes each), its parent and its set (4 each), its place in its set
    # (8): 32 bytes, and the hash table of numbers in 4-byte slots, dropped before the sets are made (8-byte
    # slots kept to the end: ~68 bytes; 8-byte parents and sets: ~42).
    assert peak / 20005 < 40


def test_office_reviews_come_back_as_they_were_set() -> None:
    from nianbao.review import IncludedNames, OfficeReview, OfficeReviews

    offices = OfficeReviews(5)
    included = IncludedNames(offices)
    for index, name in [(1, "甲街道"), (2, "乙街道"), (4, os.fsdecode(b"\xff") + "镇")]:  # 0 and 3 not named
        offices.set_name(index, name)
        included.append_office(index)
    offices.set_last_year(2, {"收到申请": 3}, "2023/乙街道.yaml")
    offices.set_repeated(4, 2)
    assert list(offices) == [OfficeReview(), OfficeReview("甲街道"),
                             OfficeReview("乙街道", {"收到申请": 3}, "2023/乙街道.yaml"), OfficeReview(),
                             OfficeReview(os.fsdecode(b"\xff") + "镇", repeated=2)]
    assert offices[-1] == offices[4] and offices[1:3] == list(offices)[1:3] and len(offices) == 5
    assert list(offices.names) == ["", "甲街道", "乙街道", "", os.fsdecode(b"\xff") + "镇"]
    assert included == ["甲街道", "乙街道", os.fsdecode(b"\xff") + "镇"] and included[1:] == list(included)[1:]
    for bad in (1, 5):  # named already, or no such office
        try:
            offices.set_name(bad, "丙街道")
        except ValueError:
            continue
        raise AssertionError(bad)


def test_office_reviews_cost_a_few_numbers_and_the_name_in_utf8_each() -> None:
    import tracemalloc

    from nianbao.review import IncludedNames, OfficeReviews

    tracemalloc.start()
    try:
        offices = OfficeReviews(2000)
        included = IncludedNames(offices)
        for index in range(2000):
            offices.set_name(index, f"第{index:05d}号示例街道")  # as a str: ~100 bytes
            included.append_office(index)
            offices.set_repeated(index, 1)
        kept = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # 28 bytes of UTF-8 and three 8-byte numbers; a list of OfficeReview holding the names was ~190 bytes.
    assert kept / 2000 < 80 and len(included) == 2000


def test_the_warnings_find_the_offices_of_a_name_without_a_dict_of_every_name() -> None:
    import tracemalloc

    from nianbao.review import PlaceRecords, _Warnings

    names = [f"第{index % 1900:05d}号示例街道" for index in range(2000)] + [""]  # 100 names twice; one unnamed
    records = PlaceRecords()
    tracemalloc.start()
    try:
        warnings = _Warnings([], records, names)
        kept = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        records.close()
    assert list(warnings._offices_named("第00007号示例街道")) == [7, 1907]
    assert list(warnings._offices_named("第01899号示例街道")) == [1899]
    assert list(warnings._offices_named("没有这个单位")) == [] and list(warnings._offices_named("")) == []
    # The named offices' numbers, 8 bytes each; a dict from each name to a list of its offices was ~130.
    assert kept / 2000 < 40


def test_a_paragraph_reported_costs_the_review_16_bytes() -> None:
    import tracemalloc

    from nianbao.problems import Location
    from nianbao.review import PlaceRecords
    from nianbao.same_text import TextPlace

    place = TextPlace("甲街道", "2024", "六、其他需要报告的事项", Location("/srv/示例区/2024/甲街道.yaml", 3), "文字")
    records = PlaceRecords()
    try:
        records.put(place, 0)  # the spill file exists
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for office in range(4000):
                records.put(place, office)
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert records[4000] == place and list(records.of_office(17)) == [18]
    finally:
        records.close()
    # Where its record is in the file (8 bytes), its size and its office (4 each); 8 bytes each was ~25.
    assert kept / 4000 < 20
