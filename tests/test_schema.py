"""`nianbao schema`: the JSON Schema of the data files agrees with the checker on structure, and the files
written by `nianbao new` and `nianbao import` point to a schema that is there."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from nianbao.cli import cli
from nianbao.importer import import_report
from nianbao.load import load_report
from nianbao.new_year import new_year_file
from nianbao.problems import has_errors
from nianbao.schema import MODELINE, data_schema
from nianbao.spec import load_spec, resolve_template

from .conftest import ROOT, SEED_DATA, SEED_TEXT

SAMPLES = ROOT / "data" / "龙马潭区" / "2024"
SHARED = SAMPLES / "_共同.yaml"


@pytest.fixture(scope="module")
def spec():
    return load_spec(resolve_template(None))


@pytest.fixture(scope="module")
def validator(spec) -> jsonschema.Draft7Validator:
    schema = data_schema(spec)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def shared_validator(spec) -> jsonschema.Draft7Validator:
    schema = data_schema(spec, partial=True)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def merged(base: Any, over: Any) -> Any:
    """The shared file under an office's file, mapping by mapping (as load.merge_nodes does)."""
    if not isinstance(base, dict) or not isinstance(over, dict):
        return over
    result = dict(base)
    for key, value in over.items():
        result[key] = merged(base.get(key), value) if key in base else value
    return result


def messages(validator: jsonschema.Draft7Validator, data: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(data)]


def test_the_seed_validates(validator):
    assert messages(validator, read(SEED_DATA)) == []


@pytest.mark.parametrize("office", sorted(p.name for p in SAMPLES.glob("*.yaml") if not p.name.startswith("_")))
def test_every_sample_office_validates_with_the_shared_file(office, validator, shared_validator):
    data = read(SAMPLES / office)
    assert messages(validator, merged(read(SHARED), data)) == []
    assert messages(shared_validator, data) == []  # on its own: the facts come from _共同.yaml


def test_the_shared_file_validates_against_the_shared_schema(shared_validator, validator):
    assert messages(shared_validator, read(SHARED)) == []
    assert messages(validator, read(SHARED)) != []  # the office's own parts are missing


def _set(data: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _delete(data: dict[str, Any], path: list[str]) -> None:
    for key in path[:-1]:
        data = data[key]
    del data[path[-1]]


T3 = "三、收到和处理政府信息公开申请情况"
T2 = "二、主动公开政府信息情况"
RESULTS = "三、本年度办理结果"
# Structural mistakes: (what, path, new value or DELETE). Each one is an error to `nianbao check`.
DELETE = object()
MISTAKES = [
    ("unknown top-level key", ["七、附件"], "文字"),
    ("unknown fact", ["基本信息", "负责人"], "张三"),
    ("missing fact", ["基本信息", "机关"], DELETE),
    ("missing part", ["六、其他需要报告的事项"], DELETE),
    ("missing section", ["五、存在的主要问题及改进情况", "（二）改进情况"], DELETE),
    ("unknown section", ["五、存在的主要问题及改进情况", "（三）下一步打算"], "文字"),
    ("sub-head without enumeration", ["一、总体情况", "主动公开"], "文字"),
    ("facts as a list", ["基本信息"], ["安宁街道", "2024"]),
    ("text part as a mapping", ["六、其他需要报告的事项"], {"一": "文字"}),
    ("table as a list", [T3], [1, 2, 3]),
    ("group as a list", [T3, RESULTS], [0, 0]),
    ("unknown row", [T3, "五、本年新增"], [0, 0, 0, 0, 0, 0, 0]),
    ("unknown column", [T3, "一、本年新收政府信息公开申请数量"], {"个人": 1}),
    ("too few numbers", [T3, "一、本年新收政府信息公开申请数量"], [0, 0, 0]),
    ("too many numbers", [T3, "一、本年新收政府信息公开申请数量"], [0, 0, 0, 0, 0, 0, 0, 0]),
    ("one number for a row of seven", [T3, "一、本年新收政府信息公开申请数量"], 0),
    ("negative count", [T3, "一、本年新收政府信息公开申请数量"], [-1, 0, 0, 0, 0, 0]),
    ("count with a fraction", [T3, "一、本年新收政府信息公开申请数量"], [1.5, 0, 0, 0, 0, 0]),
    ("word for a number", [T3, "一、本年新收政府信息公开申请数量"], ["无", 0, 0, 0, 0, 0]),
    ("count with its unit", [T2, "第二十条第（五）项", "行政许可"], "3件"),
    ("empty row", [T2, "第二十条第（五）项", "行政许可"], None),
    ("boolean cell", [T2, "第二十条第（五）项", "行政许可"], True),
    ("nested list in a cell", [T2, "第二十条第（五）项", "行政许可"], [[1]]),
    ("negative amount", [T2, "第二十条第（八）项", "行政事业性收费"], -0.5),
    ("year of three digits", ["基本信息", "年度"], 202),
    ("year before the format", ["基本信息", "年度"], 2019),
    ("postcode of five digits", ["基本信息", "邮编"], "64600"),
    ("office type not offered", ["基本信息", "机关类型"], "社区"),
    ("fact as a mapping", ["基本信息", "网址"], {"主站": "www.longmatan.gov.cn"}),
]


@pytest.mark.parametrize(("what", "path", "value"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_structural_mistake_is_refused_by_the_checker_and_by_the_schema(what, path, value, validator, tmp_path):
    data = copy.deepcopy(read(SEED_DATA))
    if value is DELETE:
        _delete(data, path)
    else:
        _set(data, path, value)
    target = tmp_path / "安宁街道.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _, problems = load_report(target)
    assert has_errors(problems), f"the checker should refuse: {what}"
    assert messages(validator, data) != [], f"the schema should refuse: {what}"


def test_the_schema_describes_keys_with_official_labels_units_and_meaning(spec):
    schema = data_schema(spec)
    table = schema["properties"][T3]
    row = table["properties"]["一、本年新收政府信息公开申请数量"]
    assert "单位：件" in row["description"] and "自然人" in row["description"]
    fee = schema["properties"][T2]["properties"]["第二十条第（八）项"]["properties"]["行政事业性收费"]
    assert "单位：万元" in fee["description"]
    assert schema["properties"]["基本信息"]["properties"]["邮编"]["description"]
    assert schema["additionalProperties"] is False


def test_schema_command_writes_the_file(tmp_path):
    target = tmp_path / "schema.json"
    result = CliRunner().invoke(cli, ["schema", "-o", str(target)])
    assert result.exit_code == 0, result.output
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written["$schema"] == "http://json-schema.org/draft-07/schema#"
    shown = CliRunner().invoke(cli, ["schema", "--shared"])
    assert shown.exit_code == 0 and "required" not in json.loads(shown.output)["properties"]["基本信息"]


def _schema_of(data_file: Path) -> Path:
    first = data_file.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(MODELINE), first
    relative = first[len(MODELINE):]
    assert not Path(relative).is_absolute() and "/" not in relative
    schema = data_file.parent / relative
    assert schema.is_file()
    return schema


def test_new_writes_a_schema_line_and_the_schema_beside_the_file(tmp_path):
    previous = tmp_path / "2024" / "安宁街道.yaml"
    previous.parent.mkdir()
    previous.write_text(SEED_DATA.read_text(encoding="utf-8"), encoding="utf-8")
    result = new_year_file(previous)
    schema = json.loads(_schema_of(result.target).read_text(encoding="utf-8"))
    assert messages(jsonschema.Draft7Validator(schema), read(result.target)) == []


def test_new_in_a_district_folder_points_to_the_shared_schema(tmp_path):
    folder = tmp_path / "2024"
    folder.mkdir()
    for name in ("_共同.yaml", "双加镇.yaml"):
        (folder / name).write_text((SAMPLES / name).read_text(encoding="utf-8"), encoding="utf-8")
    result = new_year_file(folder / "双加镇.yaml")
    schema_path = _schema_of(result.target)
    assert schema_path.name == "official-2021.shared.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    assert messages(jsonschema.Draft7Validator(schema), read(result.target)) == []


def test_import_writes_a_schema_line_and_the_schema_beside_the_file(tmp_path, validator):
    target = tmp_path / "安宁街道.yaml"
    import_report(SEED_TEXT, target)
    schema = json.loads(_schema_of(target).read_text(encoding="utf-8"))
    assert schema == data_schema(load_spec(resolve_template(None)))
    assert messages(validator, read(target)) == []
