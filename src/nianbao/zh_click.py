"""Chinese for click's own words (usage errors, help headings).

click marks its messages with gettext but ships no Chinese catalogue; each click module binds
`gettext.gettext` as `_` at import, so we rebind that name in those modules to a lookup in this table.
"""

from __future__ import annotations

import importlib
import re

_EXACT = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Error: {message}": "错误：{message}",
    "Invalid value: {message}": "取值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "No such option {name!r}.": "没有这个选项：{name!r}。",
    "default: {default}": "默认：{default}",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "unknown error": "未知错误",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "Missing command.": "缺少命令。",
    "Aborted!": "已中止。",
    "(dangerous)": "（危险）",
    "default": "默认",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "{app_name}, version {version}": "{app_name} 版本 {version}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value": "取值无效",
    "Invalid value for {param_hint}": "{param_hint} 的取值无效",
    "No such option: {name}": "没有这个选项：{name}",
    "No such command {name!r}.": "没有这个命令：{name!r}。",
    "Got unexpected extra argument ({args})": "多了一个参数（{args}）",
    "Got unexpected extra arguments ({args})": "多了参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 后面要跟一个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受值。",
    "argument": "参数",
    "option": "选项",
    "parameter": "参数",
    "{name!r} is not a valid integer.": "{name!r} 不是有效的整数。",
    "{value!r} is not a valid integer.": "{value!r} 不是有效的整数。",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值 {choices} 之一。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 没有读取权限：请检查文件的权限，或换一个有权限的账户。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 没有写入权限：请检查权限，或换一个可以写入的位置。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不能执行。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的是/否值，可用：{states}",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合格式 {formats} 中的任何一种。",
    "{len_type} values are required, but {len_value} was given.": "需要 {len_type} 个值，但只给了 {len_value} 个。",
    "{len_type} values are required, but {len_value} were given.": "需要 {len_type} 个值，但给了 {len_value} 个。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，但只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，但给了 {len} 个。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 后面要跟 {nargs} 个值。",
    "Value must be an iterable.": "取值必须是一组值。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "(Did you mean one of: {possibilities}?)": "（您是否想写其中之一：{possibilities}？）",
    "Positional arguments": "位置参数",
    "deprecated": "已弃用",
    "(dynamic)": "（动态）",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": "提示：命令 {name!r} 已弃用。{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": "提示：{param_type} {name!r} 已弃用。{extra_message}",
    "Error: invalid input": "错误：输入无效",
    "Error: The two entered values do not match.": "错误：两次输入的值不一样。",
    "Repeat for confirmation": "再输入一次以确认",
    "Press any key to continue...": "按任意键继续……",
    "Do you want to continue?": "要继续吗？",
    "Confirm the action without prompting.": "不再询问，直接确认。",
    "Invalid start character for option ({option})": "选项的开头字符无效（{option}）",
    "File": "文件",
    "Directory": "文件夹",
    "Path": "路径",
    "file": "文件",  # click.Path names its kind with _("directory") and prints it .title()d
    "directory": "文件夹",
    "path": "路径",
    "integer": "整数",
    "float": "数",
}

_PATTERNS = [
    (re.compile(r"^Did you mean (.*)\?$"), r"您是否想写 \1？"),
    (re.compile(r"^\(Possible options: (.*)\)$"), r"（可选：\1）"),
]


def translate(message: str) -> str:
    if message in _EXACT:
        return _EXACT[message]
    for pattern, replacement in _PATTERNS:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


def install() -> None:
    """Make click speak Chinese (idempotent)."""
    for name in ("core", "decorators", "exceptions", "formatting", "parser", "_parser", "termui", "types", "utils"):
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:
            continue
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]
