"""Lint a template folder: every problem in Chinese, pointing at the paragraph or table it is in.

`nianbao template check` prints these; `build` runs the same lint once per template (at template set-up,
see render.compiled_template) and refuses a template with problems.
"""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import jinja2.lexer
import jinja2.meta
import jinja2.nodes
import jinja2.parser

from .errors import FileTrouble, TemplateTrouble, os_error_text
from .spec import DEFAULT_TEMPLATE, load_spec, rule_problems, templates_root
from .wordml import (
    CUSTOM_PART,
    FONT_FALLBACKS,
    TEXT_PROPERTY_PARTS,
    custom_properties,
    read_zip_parts,
    text_properties,
)

if TYPE_CHECKING:
    from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_CURLY = "“”‘’"
_MARK = re.compile(r"\{[{%#]")
_FOR = re.compile(r"\{%-?\s*(?:p|r|tr|tc)?\s*for\b")
_ENDFOR = re.compile(r"\{%-?\s*(?:p|r|tr|tc)?\s*endfor\b")
_IF = re.compile(r"\{%-?\s*(?:p|r|tr|tc)?\s*if\b")
_ENDIF = re.compile(r"\{%-?\s*(?:p|r|tr|tc)?\s*endif\b")
# Fonts few computers have: the Word file must name a fallback (w:altName) for them.
_RARE_FONT = re.compile(r"_GB2312$|^方正")


def _text(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def _places(body: etree._Element, part: str) -> list[tuple[str, str]]:
    """(where, text) of every paragraph of a part: 正文第N段, or 第N个表格第r行第c列."""
    places: list[tuple[str, str]] = []
    paragraph_no = 0
    table_no = 0
    for child in body:
        if child.tag == f"{W}p":
            paragraph_no += 1
            text = _text(child)
            places.append((f"{part}第{paragraph_no}段「{text[:20]}」", text))
        elif child.tag == f"{W}tbl":
            table_no += 1
            for r, tr in enumerate(child.iter(f"{W}tr"), start=1):
                for c, tc in enumerate(tr.findall(f"{W}tc"), start=1):
                    for p in tc.iter(f"{W}p"):
                        places.append((f"{part}第{table_no}个表格第{r}行第{c}列", _text(p)))
    return places


def _contract_variables() -> set[str]:
    readme = templates_root() / DEFAULT_TEMPLATE / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    match = re.search(r"^## 变量\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    return set(re.findall(r"^- `([^`]+)`", match.group(1), re.MULTILINE)) if match else set()


def _table_shapes(docx: Path) -> list[tuple[int, int]]:
    from lxml import (
        etree,  # lint runs at template set-up only: a cached template's build never loads lxml
    )

    with zipfile.ZipFile(docx) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    body = root.find(f"{W}body")
    return [
        (len(tbl.findall(f"{W}tr")), len(tbl.findall(f"{W}tblGrid/{W}gridCol")))
        for tbl in (body if body is not None else [])
        if tbl.tag == f"{W}tbl"
    ]


def lint_docx(docx: Path, official: Path | None = None) -> list[str]:
    """Problems of a template's Word file (placeholders, loops, variables, tables, fonts)."""
    from lxml import (
        etree,  # lint runs at template set-up only: a cached template's build never loads lxml
    )

    problems: list[str] = []
    try:
        read_zip_parts(docx.read_bytes(), keep=False)  # the reading bounds first: a template can be a bomb
    except FileTrouble as trouble:
        return [f"模板 {docx.name}：{trouble.message}"]
    except (OSError, zipfile.BadZipFile):
        return [f"模板 {docx.name} 不是有效的 Word 文档（.docx）：不是 zip 压缩包（可能是 .doc、设置了密码或已损坏），"
                "请在 Word 中另存为 .docx"]
    try:
        with zipfile.ZipFile(docx) as z:
            names = z.namelist()
            xml = {n: z.read(n) for n in names if re.fullmatch(r"word/(document|header\d*|footer\d*|fontTable)\.xml", n)}
            properties = {n: z.read(n) for n in [*TEXT_PROPERTY_PARTS, CUSTOM_PART] if n in names}
    except OSError as exc:
        return [f"无法读取 {docx.name}：{os_error_text(exc, reading=True)}"]
    except zipfile.BadZipFile as exc:
        return [f"{docx.name} 不是有效的 Word 文件：{exc}"]
    if "word/document.xml" not in xml:
        return [f"{docx.name} 缺少正文（word/document.xml）"]
    places: list[tuple[str, str]] = []
    for name in sorted(xml, key=lambda n: (n != "word/document.xml", n)):
        if name.endswith("fontTable.xml"):
            continue
        try:
            root = etree.fromstring(xml[name])
        except etree.XMLSyntaxError as exc:
            return [f"模板 {docx.name} 的 {name} 已损坏（第 {exc.lineno} 行的 XML 无法解析），请在 Word 中打开后另存为 .docx"]
        body = root.find(f"{W}body") if name == "word/document.xml" else root
        part = "正文" if name == "word/document.xml" else ("页眉" if "header" in name else "页脚")
        places.extend(_places(body if body is not None else root, part))
    allowed = _contract_variables()
    problems.extend(placeholder_problems(places))
    if not problems:
        problems.extend(_unknown_names(docx, places, allowed))
    problems.extend(_property_problems(properties, allowed))
    if official is not None and official.resolve() != docx.resolve():
        mine, theirs = _table_shapes(docx), _table_shapes(official)
        if len(mine) != len(theirs):
            problems.append(f"正文有 {len(mine)} 个表格，官方格式应为 {len(theirs)} 个（表格缺失或多出）")
        for number, (got, want) in enumerate(zip(mine, theirs, strict=False), start=1):
            if got != want:
                problems.append(
                    f"正文第{number}个表格为 {got[0]} 行 {got[1]} 列，官方格式应为 {want[0]} 行 {want[1]} 列"
                    "（表格被改动或顺序不对）"
                )
    if "word/fontTable.xml" in xml:
        # The official fonts of wordml.FONT_FALLBACKS get their fallback at build time (LibreOffice drops
        # every w:altName on a re-save); any other rare font must bring its own.
        for font in etree.fromstring(xml["word/fontTable.xml"]).findall(f"{W}font"):
            name = font.get(f"{W}name") or ""
            if _RARE_FONT.search(name) and name not in FONT_FALLBACKS and font.find(f"{W}altName") is None:
                problems.append(f"字体「{name}」没有备用字体（w:altName）：没有装这个字体的电脑上会显示成别的字体")
    return problems


def placeholder_problems(places: list[tuple[str, str]]) -> list[str]:
    """Problems of the placeholders in `places`, (where, text) in reading order: {{ }} or {% %} not in pairs,
    Chinese quotes, a {{ }} Jinja cannot read, a for/if without its end or an end without its for/if. The
    paragraphs of a template's body and each of its document properties are checked by this one rule."""
    problems: list[str] = []
    stack: list[tuple[str, str]] = []
    for where, text in places:
        if text.count("{{") != text.count("}}") or text.count("{%") != text.count("%}"):
            problems.append(f"{where}：占位符写法有误：{{{{ }}}} 或 {{% %}} 不成对，可能是在 Word 中被拆开或改坏了")
            continue
        for tag in _TAG.findall(text):
            if any(q in tag for q in _CURLY):
                problems.append(f"{where}：占位符 {tag} 中有中文引号（“”‘’），应为英文引号")
                continue
            if tag.startswith("{{"):
                try:
                    jinja2.Environment().parse(tag)
                except jinja2.TemplateSyntaxError as exc:
                    problems.append(f"{where}：占位符 {tag} 写法有误（{syntax_error_text(exc)}）")
            elif _FOR.match(tag) or _IF.match(tag):
                stack.append((where, tag))
            elif _ENDFOR.match(tag) or _ENDIF.match(tag):
                opener = _FOR if _ENDFOR.match(tag) else _IF
                if not any(opener.match(open_tag) for _w, open_tag in stack):
                    problems.append(f"{where}：{tag} 没有对应的开头")
                    continue
                while stack:  # openers of the other kind left open before this end are unclosed
                    open_where, open_tag = stack.pop()
                    if opener.match(open_tag):
                        break
                    problems.append(f"{open_where}：{open_tag} 没有对应的结尾（endfor / endif）")
    for where, tag in stack:
        problems.append(f"{where}：{tag} 没有对应的结尾（endfor / endif）")
    return problems


_UNKNOWN_TAG = re.compile(r"Encountered unknown tag '([^']*)'")
_INNERMOST = re.compile(r"innermost block that needs to be closed is '([^']*)'")
_EXPECTED = re.compile(r"expected token '([^']*)', got '([^']*)'")
_UNEXPECTED = re.compile(r"unexpected '([^']*)'|unexpected char (['\"])(.*?)\2")
_EXPRESSION = re.compile(r"Expected an expression, got '([^']*)'")
_NO_FILTER = re.compile(r"No filter named '([^']*)'")
_NO_TEST = re.compile(r"No test named '([^']*)'")
# Tags Jinja knows that open a block; their ends (endfor…) and the middle tags else/elif are "unknown" to
# Jinja's parser when they stand where no open block takes them.
_OPENING_TAGS = frozenset({*jinja2.parser._statement_keywords, "call", "filter"})
# How Jinja names the ends of a placeholder in its messages.
_ENDS = {"end of print statement": "}}", "end of statement block": "%}", "end of template": "结尾"}
# Every token type of Jinja's lexer (jinja2.lexer's TOKEN_* constants), as its messages name it: the raw
# type, or its description (jinja2.lexer.describe_token_expr). Operators are named by their symbol.
_TOKENS = {
    **_ENDS,
    **jinja2.lexer.reverse_operators,
    "begin of print statement": "{{",
    "begin of statement block": "{%",
    "begin of comment": "{#",
    "end of comment": "#}",
    "begin of line statement": "行语句的开头",
    "end of line statement": "行语句的结尾",
    "template data / text": "普通文字",
    "name": "名称",
    "integer": "整数",
    "float": "小数",
    "string": "带引号的文字",
    "operator": "运算符",
    "whitespace": "空格",
    "data": "普通文字",
    "initial": "开头",
    "eof": "结尾",
    "variable_begin": "{{",
    "variable_end": "}}",
    "block_begin": "{%",
    "block_end": "%}",
    "comment_begin": "{#",
    "comment_end": "#}",
    "comment": "注释",
    "linecomment": "注释",
    "linecomment_begin": "行注释的开头",
    "linecomment_end": "行注释的结尾",
    "linestatement_begin": "行语句的开头",
    "linestatement_end": "行语句的结尾",
    "raw_begin": "原样文字段的开头",
    "raw_end": "原样文字段的结尾",
}
_TOKEN_TYPES = frozenset(
    value for name, value in vars(jinja2.lexer).items() if name.startswith("TOKEN_") and isinstance(value, str)
)
_UNDEFINED = re.compile(r"^'([^']*)' is undefined$|has no attribute '([^']*)'$|has no element (.*)$")


def _token_text(token: str) -> str:
    """A token as Jinja's message names it, in Chinese: its type or symbol; a name Jinja quotes by its value
    (the template's own word, or a keyword such as in) as it is; a type this table lacks (a newer Jinja's)
    by a Chinese stand-in, never Jinja's English."""
    if token in _TOKENS:
        return _TOKENS[token]
    if token in jinja2.lexer.operators:  # an operator's symbol, as the template has it
        return token
    if token in _TOKEN_TYPES or jinja2.lexer.describe_token_expr(token) != token or not token.isidentifier():
        return "某个记号"
    return token


def _misplaced_tag_text(tag: str, message: str) -> str:
    """A tag Jinja knows standing where it does not fit: an end (endif…) or else/elif with no open block to
    take it, or inside a block that must be closed first."""
    if found := _INNERMOST.search(message):
        block = found.group(1)
        return f"{{% {tag} %}} 放错了位置：前面的 {{% {block} … %}} 还没有结尾，应先写 {{% end{block} %}}"
    if tag.startswith("end"):
        return f"{{% {tag} %}} 没有对应的开头：前面缺少 {{% {tag[3:]} … %}}"
    if tag == "elif":
        return "{% elif … %} 放错了位置：只能写在 {% if … %} 与 {% endif %} 之间"
    return "{% else %} 放错了位置：只能写在 {% if … %} 与 {% endif %} 之间，或 {% for … %} 与 {% endfor %} 之间"


def unknown_filter_text(name: str) -> str:
    return (f"没有名为「{name}」的过滤器（{{{{ … | {name} }}}}），"
            "模板可用的过滤器见 official-2021/README.md 的「过滤器」一节")


def unknown_test_text(name: str) -> str:
    usual = "、".join(test for test in ("defined", "none", "number", "string", "even", "odd")
                     if test in jinja2.Environment().tests)
    return f"没有名为「{name}」的判断（… is {name}），可用的有 {usual} 等"


def syntax_error_text(exc: jinja2.TemplateSyntaxError) -> str:
    """Jinja's (English) syntax error said in Chinese: what is wrong, without Jinja's own words."""
    message = exc.message or ""
    if found := _UNKNOWN_TAG.search(message):
        tag = found.group(1)
        if tag in ("p", "r", "tr", "tc"):
            return (f"{{%{tag} … %}} 只能用在正文的段落、表格行或单元格中；"
                    "文档属性里请写成 {% … %}")
        if tag in ("else", "elif") or (tag.startswith("end") and tag[3:] in _OPENING_TAGS):
            return _misplaced_tag_text(tag, message)
        return f"不认识的标记「{tag}」，可用的有 for、if、elif、else、endfor、endif、set"
    if message.startswith("Unexpected end of template"):
        return "占位符没有写完：{% for %} 或 {% if %} 缺少结尾，或 {{ }} 中缺少内容"
    if found := _NO_FILTER.search(message):
        return unknown_filter_text(found.group(1))
    if found := _NO_TEST.search(message):
        return unknown_test_text(found.group(1))
    if found := _EXPECTED.search(message):
        want, got = (_token_text(token) for token in found.groups())
        return f"这里应为「{want}」，写的却是「{got}」"
    if found := _EXPRESSION.search(message):
        return f"「{_token_text(found.group(1))}」之前缺少内容（字段名或值）"
    if found := _UNEXPECTED.search(message):
        if found.group(1) is not None and found.group(1) in _ENDS:
            return f"「{_ENDS[found.group(1)]}」之前的内容没有写完"
        token = _token_text(found.group(1)) if found.group(1) is not None else found.group(3)
        return f"多了或放错了「{token}」"
    return "占位符写法不符合规则，请对照模板的 README 检查 {{ }} 和 {% %} 中的写法"


def missing_field_text(message: str) -> str:
    """The name of the field a jinja2.UndefinedError's (English) message is about, in 「」, or a Chinese
    stand-in when the message names none."""
    found = _UNDEFINED.search(message or "")
    name = next((group for group in found.groups() if group), None) if found else None
    return f"「{name.strip(chr(39))}」" if name else "（模板中的某个字段）"


def _unknown_variable_message(where: str, name: str) -> str:
    return f"{where}：变量「{name}」不在模板约定的变量中（见 official-2021/README.md 的「变量」一节）"


def _unknown_filters_and_tests(ast: jinja2.nodes.Template) -> list[tuple[str, str]]:
    """(pattern, message) of each filter (`x | 名`) or test (`x is 名`) the template uses that Jinja's
    environment lacks, in order of first use; the pattern finds the placeholder that uses it. Jinja itself
    finds an unknown filter only when the template is compiled (build), an unknown test only when it is
    rendered."""
    env = jinja2.Environment()
    found: dict[str, str] = {}
    for node in ast.find_all((jinja2.nodes.Filter, jinja2.nodes.Test)):
        name = node.name
        if isinstance(node, jinja2.nodes.Filter) and name not in env.filters:
            found.setdefault(rf"\|\s*{re.escape(name)}(?!\w)", unknown_filter_text(name))
        elif isinstance(node, jinja2.nodes.Test) and name not in env.tests:
            found.setdefault(rf"\bis\s+(?:not\s+)?{re.escape(name)}(?!\w)", unknown_test_text(name))
    return list(found.items())


def _unknown_names(docx: Path, places: list[tuple[str, str]], allowed: set[str]) -> list[str]:
    """Variables the template uses that the contract does not list (when it lists any), and filters or tests
    Jinja lacks, each at the first place it appears."""
    from docxtpl import (
        DocxTemplate,  # only when linting finds no simpler problem: keeps start-up light
    )

    helper = DocxTemplate(str(docx))
    helper.init_docx()
    try:
        ast = jinja2.Environment().parse(helper.patch_xml(helper.get_xml()))
    except jinja2.TemplateSyntaxError as exc:
        return [f"模板语法错误：{syntax_error_text(exc)}"]
    def first_place(pattern: re.Pattern[str]) -> str:
        return next((w for w, text in places if any(pattern.search(t) for t in _TAG.findall(text))), "正文")

    problems = [f"{first_place(re.compile(pattern))}：{message}" for pattern, message in _unknown_filters_and_tests(ast)]
    if problems:  # Jinja's search for variables compiles the template: it would stop at the unknown filter
        return problems
    for name in sorted(jinja2.meta.find_undeclared_variables(ast) - allowed if allowed else ()):
        problems.append(_unknown_variable_message(first_place(re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")), name))
    return problems


def _property_problems(parts: dict[str, bytes], allowed: set[str]) -> list[str]:
    """Problems of the placeholders in the document's properties (core.xml's 标题, 主题, 关键词…; app.xml's
    单位, 经理, 超链接基础), which are rendered for every report as the body is (see render.CompiledTemplate),
    each named by Word's label. A custom property (Word's 自定义 tab) is typed (text, number, date, yes/no)
    and may be linked to a bookmark: it is not rendered, and a placeholder in one is refused."""
    problems: list[str] = [
        f"自定义文档属性「{name}」中有占位符，但自定义属性不会按每个机关填写："
        "请把占位符改放在「摘要」页的属性（如 主题、单位）中，或从该属性中删去"
        for name, value in custom_properties(parts.get(CUSTOM_PART, b"").decode("utf-8", "replace"))
        if _MARK.search(value)
    ]
    found = [prop for part in TEXT_PROPERTY_PARTS if part in parts
             for prop in text_properties(part, parts[part].decode("utf-8", "replace"))]
    for label, _start, _end, text in found:
        if not _MARK.search(text):
            continue
        where = f"文档属性「{label}」"
        structural = placeholder_problems([(where, text)])
        if structural:
            problems.extend(structural)
            continue
        try:
            ast = jinja2.Environment().parse(text)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(f"{where}「{text[:40]}」：占位符写法有误（{syntax_error_text(exc)}）")
            continue
        unknown = [f"{where}：{message}" for _pattern, message in _unknown_filters_and_tests(ast)]
        problems.extend(unknown)
        if allowed and not unknown:  # Jinja's search for variables would stop at the unknown filter
            problems.extend(
                _unknown_variable_message(where, name)
                for name in sorted(jinja2.meta.find_undeclared_variables(ast) - allowed)
            )
    return problems


def lint_template(folder: Path) -> list[str]:
    """Every problem of a template folder: rules.yaml (rules.yaml:line) and its Word file."""
    folder = Path(folder)
    problems = rule_problems(folder / "rules.yaml") if (folder / "rules.yaml").is_file() else []
    if problems:
        return problems
    spec = load_spec(folder)
    official = templates_root() / DEFAULT_TEMPLATE / "template.docx"
    return lint_docx(spec.docx, official if official.is_file() else None)


@lru_cache(maxsize=16)
def require_clean_docx(docx: Path, content_hash: str) -> None:
    """Refuse a Word template whose placeholders, loops, variables or fonts are broken; called at template
    set-up (once per template content, see render.CompiledTemplate). The comparison of table shapes with the
    official form belongs to the template folder and is made by `nianbao template check`.

    `content_hash` is the SHA-256 of the file as the caller read it: the verdict is remembered per content,
    so a template changed in place while the process runs is linted again (not passed on its path)."""
    problems = lint_docx(docx)
    if problems:
        raise TemplateTrouble(f"模板 {docx} 有问题，不能用来生成报告：\n" + "\n".join(problems))
