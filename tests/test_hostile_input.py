"""Hostile input: every reader is bounded, and keys are compared as the checker compares them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from nianbao import check_file

BOMB = "".join(
    f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9 if prev else ['"lol"'] * 9) + "]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def messages(path: Path) -> list[str]:
    return [f"{p.location} {p.severity.value}：{p.message}" for p in check_file(path).problems]


def test_anchors_and_aliases_are_refused_with_their_line(variant):
    variant.replace("  年度: 2024", "  年度: &y 2024\n  标题: *y")
    found = messages(variant.write())
    line = variant.line_of("年度:")
    assert f"安宁街道.yaml:{line} 错误：不支持 YAML 锚点「&y」" in found
    assert f"安宁街道.yaml:{line + 1} 错误：不支持 YAML 别名「*y」" in found


def test_an_alias_bomb_fails_fast_in_little_memory(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    # Measured in a child process: its own peak memory and wall time, nothing else of the test run.
    probe = textwrap.dedent(
        f"""
        import resource, sys, time
        from pathlib import Path
        start = time.perf_counter()
        from nianbao.source import load_source
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        source = load_source(Path({str(bomb)!r}))
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(source.root is None, len(source.problems), round(elapsed, 3), peak - before, peak)
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    refused, count, elapsed, grown_kb, peak_kb = result.stdout.split()
    assert refused == "True" and int(count) > 0
    assert float(elapsed) < 1.0
    assert int(grown_kb) < 20 * 1024 and int(peak_kb) < 100 * 1024


def test_keys_equal_after_folding_are_duplicates_naming_both_lines(variant):
    variant.replace("  机关: 安宁街道", "  机关: 安宁街道\n  机 关: 红星街道")
    found = messages(variant.write())
    line = variant.line_of("机 关:")
    assert (f"安宁街道.yaml:{line} 错误：「机 关」重复出现（第 {line - 1} 行已经写过「机关」，两处按同一栏目计）"
            in found)


def test_full_and_half_width_enumerations_are_duplicates(variant):
    row = "  四、结转下年度继续办理: [0, 0, 0, 0, 0, 0, 0]"
    variant.replace(row, row + "\n  四, 结转下年度继续办理: [1, 0, 0, 0, 0, 0, 1]".replace(",", "、", 1))
    found = messages(variant.write())
    assert any("重复出现" in m for m in found), found


def test_duplicates_in_a_defaults_file_are_errors_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    district = Path(__file__).resolve().parents[1] / "data" / "龙马潭区" / "2024"
    shared = (district / "_共同.yaml").read_text(encoding="utf-8")
    assert "  年度: 2024\n" in shared
    (tmp_path / "_共同.yaml").write_text(shared.replace("  年度: 2024\n", "  年度: 2024\n  年 度: 2023\n"),
                                        encoding="utf-8")
    (tmp_path / "安宁街道.yaml").write_text((district / "安宁街道.yaml").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    from nianbao.load import load_report

    _, problems = load_report(tmp_path / "安宁街道.yaml", defaults=[tmp_path / "_共同.yaml"])
    assert any(p.location.file == "_共同.yaml" and "「年 度」重复出现" in p.message for p in problems)


def test_a_huge_data_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    big = tmp_path / "大.yaml"
    big.write_text("# " + "x" * (3 * 1024 * 1024), encoding="utf-8")
    from nianbao import FileTrouble

    try:
        check_file(big)
    except FileTrouble as trouble:
        assert "文件太大" in trouble.message
    else:
        raise AssertionError("a 3 MB data file was read")


def test_deep_nesting_is_a_problem_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    deep = tmp_path / "深.yaml"
    deep.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert messages(deep) == ["深.yaml 错误：嵌套层次太深（超过 50 层）"]
