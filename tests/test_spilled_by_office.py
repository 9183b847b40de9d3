"""review.SpilledByOffice: the review's handles to each office's paragraphs, kept as arrays (a few bytes an
office), read back as the Spilled records they were."""

from __future__ import annotations

import tracemalloc

import pytest

from nianbao.batch import ReviewSpill
from nianbao.review import SpilledByOffice


def test_records_come_back_by_office_from_either_spill_file() -> None:
    one, two = ReviewSpill(), ReviewSpill()
    kept = SpilledByOffice()
    kept[0] = one.put(["甲"])
    kept[3] = two.put(["丁"])
    kept[7] = one.put(["辛"])
    assert list(kept) == [0, 3, 7] and len(kept) == 3
    assert [kept[i].load() for i in kept] == [["甲"], ["丁"], ["辛"]]
    assert 3 in kept and 4 not in kept and "3" not in kept
    assert {1, 7} | kept.keys() == {0, 1, 3, 7}
    assert [(i, s.load()) for i, s in kept.items()][1] == (3, ["丁"])
    with pytest.raises(KeyError):
        kept[4]
    with pytest.raises(ValueError):
        kept[5] = one.put(["己"])  # after 7: the offices come in order
    one.close()
    two.close()


def test_an_office_costs_a_few_bytes() -> None:
    spill = ReviewSpill()
    handles = [spill.put(n) for n in range(3000)]
    kept = SpilledByOffice()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number, handle in enumerate(handles):
            kept[number * 3] = handle
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown / len(handles) < 40  # a dict of Spilled objects: over 100 bytes an office
    spill.close()
