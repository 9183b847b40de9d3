"""Offices whose reports went to the same file are all flagged; an OutcomeStore notes who may share a file
as the outcomes come, so that finding them reads back only those offices, not the whole district."""

from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.batch import OfficeOutcome, OutcomeStore, Status, flag_shared_targets


def _outcome(name: str, target: str | None, status: Status = Status.BUILT) -> OfficeOutcome:
    return OfficeOutcome(Path(f"{name}.yaml"), f"{name}.yaml", name, status,
                         target=Path(target) if target else None)


def _district() -> list[OfficeOutcome]:
    return [_outcome("甲", "out/甲.docx"), _outcome("乙", "out/同名.docx"), _outcome("丙", "out/丙.docx"),
            _outcome("丁", "out/同名.docx", Status.SKIPPED), _outcome("戊", "out/同名.docx", Status.FAILED),
            _outcome("己", None, Status.FAILED), _outcome("庚", "out/./丙.docx")]


class _CountingStore(OutcomeStore):
    def __init__(self) -> None:
        super().__init__()
        self.read: list[int] = []

    def __getitem__(self, index):  # type: ignore[no-untyped-def, override]
        if isinstance(index, int):
            self.read.append(index)
        return super().__getitem__(index)


def _flagged(outcomes: object) -> list[tuple[str, Status, bool, list[str]]]:
    return [(o.office, o.status, o.checks_failed, [p.message for p in o.problems]) for o in outcomes]  # type: ignore[attr-defined]


@pytest.mark.parametrize("replaced", [False, True])
def test_a_store_flags_as_a_list_does_reading_back_only_the_offices_that_may_share_a_file(replaced: bool) -> None:
    expected = _district()
    flag_shared_targets(expected)
    assert sorted(o.office for o in expected if o.checks_failed) == sorted(["乙", "丁", "丙", "庚"])
    store = _CountingStore()
    for outcome in _district():
        store.append(outcome)
    if replaced:  # an outcome stored anew: who may share a file is looked for in every outcome
        store[0] = store[0]
    store.read.clear()
    flag_shared_targets(store)
    read = set(store.read)
    assert _flagged(store) == _flagged(expected)
    assert read == (set(range(7)) if replaced else {1, 2, 3, 6})  # 乙 丁 (同名.docx), 丙 庚 (丙.docx)
    store.close()


def test_a_store_without_shared_files_reads_no_outcome_back() -> None:
    store = _CountingStore()
    for name in "甲乙丙":
        store.append(_outcome(name, f"out/{name}.docx"))
    flag_shared_targets(store)
    assert store.read == [] and store.maybe_shared_targets() is None  # asked once: forgotten
    store.close()


@pytest.mark.parametrize("target", ["out/甲.docx", None])
def test_an_outcome_is_pickled_by_its_fields_with_paths_as_text_and_comes_back_equal(target: str | None) -> None:
    import copy
    import pickle

    from nianbao.batch import _restored_outcome
    from nianbao.problems import Location, warning

    outcome = _outcome("甲", target)
    outcome.figures, outcome.note, outcome.checks_failed = {"收到申请": 3}, "说明", True
    outcome.problems = [warning(Location("甲.yaml", 4), "雷同", "重写", "文字雷同")]
    restored, args = outcome.__reduce__()
    assert restored is _restored_outcome and args[0] == "甲.yaml" and args[6] == (target and str(Path(target)))
    again = pickle.loads(pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL))
    assert again == outcome and isinstance(again.path, Path) and again.problems is not outcome.problems
    assert target is None or isinstance(again.target, Path)
    assert copy.deepcopy(outcome) == outcome


def test_the_offices_that_may_share_a_file_are_noted_in_sets_by_office() -> None:
    store = OutcomeStore()
    for name, target in [("甲", "a"), ("乙", "b"), ("丙", "a"), ("丁", None), ("戊", "b"), ("己", "a"), ("庚", "c")]:
        store.append(_outcome(name, f"out/{target}.docx" if target else None))
    assert sorted(store.maybe_shared_targets() or []) == [[0, 2, 5], [1, 4]]
    store.close()


def test_noting_who_may_share_a_file_costs_a_few_bytes_an_office() -> None:
    import tracemalloc

    store = OutcomeStore()
    store.append(_outcome("机关0", "out/机关0.docx"))  # the spill file and its buffer, made once
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(1, 3000):
            store.append(_outcome(f"机关{n}", f"out/机关{n}.docx"))
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Its place in the file, its flags and the hash of its report file: 8-byte arrays (a dict of hashes and a
    # list per shared file cost some 100 bytes more an office).
    assert grown / 2999 < 80
    assert store.maybe_shared_targets() == []
    store.close()
