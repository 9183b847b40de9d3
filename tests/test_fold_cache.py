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
