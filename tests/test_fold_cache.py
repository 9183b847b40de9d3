"""spec.normalize_label's cache of folded short texts: bounded small (issue 14, memory flat in the number
of offices), while the labels and keys every office repeats keep being found in it."""

from __future__ import annotations

from nianbao import spec


def test_the_fold_cache_stays_small_over_many_offices_and_keeps_the_repeated_labels() -> None:
    labels = [f"（{n}）第{n}项标签" for n in range(150)]  # the keys of a template, met in every office
    spec._fold_cached.cache_clear()
    for office in range(40):
        for label in labels:
            spec.normalize_label(label)
        for paragraph in range(20):  # an office's own short paragraphs, each met once
            spec.normalize_label(f"{office}号机关第{paragraph}段：今年的工作情况")
    info = spec._fold_cached.cache_info()
    assert info.currsize <= 256 and info.maxsize == spec.FOLD_CACHE_SIZE == 256
    # Every label was folded once only (the first office): the one-off texts did not push them out.
    assert info.misses == len(labels) + 40 * 20
    assert spec.normalize_label("（1）第1项标签") == spec._fold("（1）第1项标签")


def test_the_fold_cache_serves_the_bundled_district() -> None:
    """The bound is large enough for a real template: once the first office has been checked, the texts the other
    offices fold are nearly all found in the cache (a template that outgrows the bound fails here)."""
    from pathlib import Path

    from nianbao.pipeline import check_file

    district = Path(__file__).resolve().parent.parent / "data" / "龙马潭区" / "2024"
    offices = sorted(p for p in district.glob("*.yaml") if not p.name.startswith("_"))
    assert len(offices) >= 5
    spec._fold_cached.cache_clear()
    assert check_file(offices[0]).ok
    first = spec._fold_cached.cache_info()
    for office in offices[1:]:
        assert check_file(office).ok
    after = spec._fold_cached.cache_info()
    hits, misses = after.hits - first.hits, after.misses - first.misses
    assert hits + misses > 1000  # the checks do fold through the cache
    assert hits / (hits + misses) >= 0.9
