"""`nianbao template new`: a derived template folder — its own Word file and a 模板.yaml naming its parent.

Fields, rules and defaults are inherited from the parent (spec.template_chain); a fields.yaml, rules.yaml or
defaults.yaml put in the new folder overrides them entry by entry (see templates/official-2021/README.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import FileTrouble
from .spec import NAME_KEY, PARENT_FILE, PARENT_KEY, load_spec, resolve_template, templates_root
from .write import write_atomic


def new_template(name: str, parent: str, folder: Path | None = None) -> Path:
    """Create the folder (default `templates/<name>` in the working folder); its path. Refuses to touch an
    existing folder that is not empty."""
    name = name.strip()
    if not name or any(c in name for c in '/\\:*?"<>|'):
        raise FileTrouble(f"模板名称「{name}」不能为空，也不能含有 / \\ : * ? \" < > |")
    target = Path(folder) if folder is not None else Path("templates") / name
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileTrouble(f"{target} 已存在且不是空文件夹；请换一个名称或用 -o 指定别的文件夹")
    parent_folder = resolve_template(parent, base=Path.cwd())
    spec = load_spec(parent_folder)  # refuses a broken parent before anything is written
    named = templates_root() / parent
    if Path(parent).name == parent and named.is_dir() and named.resolve() == parent_folder:
        reference = parent  # a shipped template: by name
    else:
        target_parent = target.resolve().parent
        reference = Path(os.path.relpath(parent_folder, target_parent)).as_posix()
    target.mkdir(parents=True, exist_ok=True)
    write_atomic(target / "template.docx", spec.docx.read_bytes())
    text = (
        f"# 由 nianbao template new 生成：模板「{name}」以「{reference}」为上级模板。\n"
        "# template.docx 是这个模板自己的 Word 文件，可以在 Word/WPS 中修改（抬头、页眉、固定段落等）。\n"
        "# fields.yaml、rules.yaml、defaults.yaml 不放时沿用上级模板；放了的按条目覆盖上级模板的同名条目，\n"
        "# 规则见 official-2021/README.md 的「派生模板」一节。改完后运行 nianbao template check 检查。\n"
        f"{PARENT_KEY}: {reference}\n"
        f"{NAME_KEY}: {name}\n"
    )
    write_atomic(target / PARENT_FILE, text.encode("utf-8"))
    return target
