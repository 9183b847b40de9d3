"""Command line: each command parses its arguments, calls the library, prints, and maps errors to exit codes.

Exit codes: 0 ok (warnings allowed), 1 file or template trouble, 2 usage error, 3 the data failed its checks.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import gc
import os
import signal
from pathlib import Path
from typing import Any

import click

from . import zh_click
from .batch import EXIT_SKIPPED, Status
from .code_cache import remember_generated_code
from .district import DEFAULTS_FILE
from .errors import ChecksFailed, NianbaoError, os_error_line, os_error_to_say
from .heavy_imports import freeze_after_loading
from .progress import ConsoleReporter
from .regex_cache import remember_compiled_patterns
from .runs import SUMMARY_FILE, build_paths, check_paths
from .version import __version__
from .write import exit_on_sigterm

TERMINATED = "\n已终止（收到终止信号）；写了一半的文件已删除，已生成的报告保留\n"

# Each command imports what only it needs (Word reading, import, new year, PDF) when it runs: a
# one-office build or check starts without loading them.

zh_click.install()

EXIT_OK, EXIT_FILE = 0, 1  # the others come with the library errors (errors.py)


class Failure(click.ClickException):
    """A library error shown as one Chinese line on stderr, with its exit code.

    click 8.5 declares `exit_code` a class variable, so each exit code gets its own subclass
    (`failure(message, code)` picks it); this also works with click 8.1-8.4.
    """

    exit_code = EXIT_FILE

    def show(self, file: Any = None) -> None:
        message = self.format_message()
        click.echo(message if message.startswith("错误") or " 错误：" in message else f"错误：{message}", err=True)


@functools.cache
def _failure_class(exit_code: int) -> type[Failure]:
    return type(f"Failure{exit_code}", (Failure,), {"exit_code": exit_code})


def failure(message: str, exit_code: int) -> Failure:
    """A `Failure` that makes click exit with `exit_code`."""
    return _failure_class(exit_code)(message)


class NianbaoCommand(click.Command):
    """A command whose usage line reads in Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class NianbaoGroup(click.Group):
    """The one place where library errors become exit codes; no traceback reaches the user."""

    command_class = NianbaoCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NianbaoError as exc:
            raise failure(exc.format(), exc.exit_code) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise failure("已中断；没有留下写了一半的文件", 130) from None
        except Exception as exc:
            if os.environ.get("NIANBAO_DEBUG") or (isinstance(exc, OSError) and exc.errno == errno.EPIPE):
                raise  # a broken pipe (`nianbao check ... | head`): click's main ends quietly
            said = os_error_to_say(exc)  # one no layer below said: in Chinese all the same, with its file
            if said is not None:
                raise failure(os_error_line(said), EXIT_FILE) from None
            raise failure(
                f"程序内部错误（{type(exc).__name__}: {exc}）。请把这条信息和所用的数据文件发给维护人员；"
                "设置环境变量 NIANBAO_DEBUG=1 可查看详细信息",
                EXIT_FILE,
            ) from None


_template_option = click.option(
    "--template",
    "-t",
    metavar="模板",
    default=None,
    help="模板名称（templates/ 下的文件夹名）或模板文件夹路径；默认用数据文件中「模板」指定的，否则用 official-2021。",
)


_jobs_option = click.option(
    "--jobs", "-j", metavar="N", default=None, type=click.IntRange(min=1),
    help="同时处理几个机关（进程数）；默认为本机 CPU 核数。",
)


@click.group(cls=NianbaoGroup, help="nianbao（年报）：用 YAML 数据生成政府信息公开工作年度报告（Word），生成前先核对表格勾稽关系。")
@click.version_option(__version__, "--version", "-V", prog_name="nianbao", message="%(prog)s %(version)s")
@click.help_option("--help", "-h")
def cli() -> None:
    pass


@cli.command(short_help="检查数据文件或 Word 报告，列出全部问题，不写文件。", help="检查数据文件：表格勾稽关系、数字格式、必填项等。只报告问题，不生成文件。"
             f"可以给出文件夹：检查其中每个机关的 *.yaml（不含子文件夹；{DEFAULTS_FILE} 是各机关的共同设置）。\n\n"
             "也可以检查 Word 报告（.docx）本身：读出三张表和六个部分，按同样的规则检查；"
             "是 nianbao 生成的报告时，还列出生成后改动过的表格数字和段落。"
             "有上年的数据（上一年度文件夹中的同名文件，或 --previous）时，还核对上年结转、现行有效件数和文字雷同。\n\n"
             "退出码：0 通过（可能有警告），1 文件无法读取，3 有错误。")
@click.argument("files", nargs=-1, required=True, metavar="数据文件...", type=click.Path(readable=False, path_type=Path))
@_template_option
@_jobs_option
@click.option("--previous", "-p", metavar="上年文件", default=None, type=click.Path(readable=False, dir_okay=False, path_type=Path),
              help="上年的数据文件（.yaml）或上年的报告（.docx/.txt）；不写时自动找上一年度文件夹中的同名文件。")
@click.option("--data", "-d", "data", metavar="数据文件", default=None, type=click.Path(readable=False, dir_okay=False, path_type=Path),
              help="检查 Word 报告时，生成它所用的数据文件（.yaml）；报告和数据文件夹没有一起移动、找不到时用。")
@click.help_option("--help", "-h")
def check(files: tuple[Path, ...], template: str | None, jobs: int | None, previous: Path | None,
          data: Path | None) -> None:
    from .docx_check import check_any

    checker = functools.partial(check_any, previous=previous, data=data)
    result = check_paths(files, template=template, jobs=jobs, checker=checker,
                         reporter=ConsoleReporter("检查数据", checking=True))
    if result.from_folder or len(result.outcomes) > 1:
        from .summary import print_summary  # only with a table to print

        print_summary(result.outcomes, title="检查汇总", full_list="上面逐个机关的结果")
    raise click.exceptions.Exit(result.exit_code)


@cli.command(short_help="检查并生成 Word 报告（可给文件夹，整区批量生成）。", help="检查并生成 Word 报告，写到 输出文件夹/<机关><年度>年政府信息公开工作年度报告.docx。"
             "有错误的数据文件不生成任何文件，也不影响其他机关。"
             f"可以给出文件夹：生成其中每个机关的报告（不含子文件夹；{DEFAULTS_FILE} 是各机关的共同设置），"
             f"最后显示汇总表，并写出 输出文件夹/{SUMMARY_FILE}。"
             "生成后在 Word 中改过的报告不会被覆盖（汇总中为“已跳过”），除非加 --force。"
             "\n\n退出码：0 成功，1 文件或模板问题，3 数据有错误，4 有报告因生成后被修改而跳过（未更新）。")
@click.argument("files", nargs=-1, required=True, metavar="数据文件...", type=click.Path(readable=False, path_type=Path))
@click.option("--output", "-o", "out_dir", default="out", show_default=True, metavar="输出文件夹",
              type=click.Path(file_okay=False, path_type=Path), help="报告写到哪个文件夹。")
@_template_option
@click.option("--force", "-f", is_flag=True, default=False,
              help="覆盖生成后被改过（如在 Word 中编辑过）或不是本工具生成的同名报告。")
@_jobs_option
@click.option("--pdf", "pdf", is_flag=True, default=False,
              help="同时用 LibreOffice 把生成的每份报告另存为 PDF，放在 .docx 旁边（需已安装 LibreOffice）。")
@click.option("--rollup", "rollup", default=None, metavar="汇总.yaml", type=click.Path(dir_okay=False, path_type=Path),
              help="把通过检查的各机关表格数据逐格相加，写成一个数据文件（区里可以从它开始写汇总报告）。")
@click.help_option("--help", "-h")
def build(files: tuple[Path, ...], out_dir: Path, template: str | None, force: bool, jobs: int | None,
          pdf: bool, rollup: Path | None) -> None:
    # The summary workbook is written once, by write_district_outputs below (with the same-text warnings
    # and the district total sheet), not also here.
    result = build_paths(files, out_dir=out_dir, template=template, force=force, jobs=jobs,
                         reporter=ConsoleReporter("生成报告"), write_summary=False)
    # Only with --pdf: the list of every report written is not kept otherwise.
    pdfs_failed = pdf and not _write_pdfs(
        [o.target for o in result.outcomes if o.status is Status.BUILT and o.target is not None])
    if result.summary_path is not None or rollup is not None:
        from .review_page import write_district_outputs

        review = write_district_outputs(result, out_dir, rollup=rollup, page=result.summary_path is not None)
        for problem in review.new_problems:
            click.echo(problem.format(), err=True)
    exit_code = result.exit_code  # after the workbook: a workbook that could not be written counts
    if pdfs_failed and exit_code in (EXIT_OK, EXIT_SKIPPED):
        exit_code = EXIT_FILE
    if result.summary_path is not None:
        # Even when the workbook cannot be written; then the rest of the list is above, not in the workbook.
        from .summary import print_summary  # only with a table to print

        print_summary(result.outcomes, full_list="上面逐个机关的结果" if result.summary_trouble else SUMMARY_FILE,
                      tally=result.tally)
        if result.summary_trouble:
            click.echo(result.summary_trouble, err=True)
        else:
            click.echo(f"汇总表：{result.summary_path}")
        if result.page_written is not None:
            click.echo(f"审阅页：{result.page_written}")
    if result.rollup_written is not None:
        click.echo(f"汇总数据文件：{result.rollup_written}")
    for trouble in result.output_troubles:
        click.echo(trouble, err=True)
    skipped = result.skipped_count
    if skipped:  # the last line: a script (exit code 4) and a person both learn a report is stale
        click.echo(f"注意：有 {skipped} 份报告生成后被修改过或不是本工具生成，已跳过、未更新"
                   f"（退出码 {EXIT_SKIPPED}）；确认要替换请加 --force", err=True)
    raise click.exceptions.Exit(exit_code)


@cli.command("import", short_help="把已发布的报告（网页、PDF、.docx、纯文本）或填好的填报表（.xlsx）转成数据文件。", help="把已发布的报告（保存的网页 .html/.htm、文字版 PDF、Word .docx，或从网页复制的纯文本）转成数据文件：三张表的全部数字、"
             "各部分和小节的文字、开头说明中的联系信息。无法放入数据文件的内容会逐条列出。\n\n"
             "也可以读入 nianbao form 生成、街道填好的填报表（.xlsx），或装有填报表的文件夹：每个填报表写成 "
             "<机关>.yaml（默认写在填报表所在的文件夹，-o 可指定文件夹）。填报表的栏目被改动、行被删除，"
             "或有空格、非数字时，列出每一处（工作表!单元格 和官方栏目名），不写文件。"
             "\n\n退出码：0 成功，1 文件问题（无法读取，或输出文件已存在而没有加 --force），3 填报表有错误。")
@click.argument("report", metavar="报告文件或填报表", type=click.Path(readable=False, path_type=Path))
@click.option("--output", "-o", "output", default=None, metavar="数据文件.yaml",
              type=click.Path(path_type=Path), help="写出的数据文件（读入填报表时可以是文件夹）。")
@click.option("--force", "-f", is_flag=True, default=False, help="输出文件已存在时覆盖它。")
@_template_option
@click.help_option("--help", "-h")
def import_command(report: Path, output: Path | None, force: bool, template: str | None) -> None:
    from .form_import import is_form_file
    from .importer import import_report

    if report.is_dir() or is_form_file(report):
        raise click.exceptions.Exit(_import_forms(report, output, force, template))
    if output is None:
        raise click.UsageError("导入网页、PDF、Word 或纯文本报告时，请用 -o 给出要写的数据文件（如 -o 数据.yaml）")
    result = import_report(report, output, force=force, template=template)
    for problem in result.problems + result.data_problems:
        click.echo(problem.format(), err=True)
    click.echo(f"已导入：{result.target}（无法放入的内容 {len(result.problems)} 处，"
               f"数据检查 {sum(p.is_error for p in result.data_problems)} 个错误、"
               f"{sum(not p.is_error for p in result.data_problems)} 个警告）")
    click.echo(result.scoreboard())


def _import_forms(source: Path, output: Path | None, force: bool, template: str | None) -> int:
    from .form_import import import_forms

    results = import_forms([source], output, force=force, template=template)
    for result in results:
        for problem in result.problems:
            click.echo(problem.format(), err=True)
        errors = sum(p.is_error for p in result.problems)
        warnings = len(result.problems) - errors
        if result.target is not None:
            click.echo(f"已读入：{result.source} → {result.target}（{errors} 个错误，{warnings} 个警告）")
        else:
            click.echo(f"{result.source} 有错误，未写数据文件（{errors} 个错误）", err=True)
    if len(results) > 1:
        done = sum(r.ok for r in results)
        click.echo(f"共 {len(results)} 个填报表：已读入 {done} 个，有错误 {len(results) - done} 个")
    if any(not r.ok and not r.file_trouble for r in results):
        return ChecksFailed.exit_code
    return EXIT_FILE if any(r.file_trouble for r in results) else EXIT_OK


@cli.command(short_help="为每个机关生成填报表（Excel/WPS 表格），预先填好数据。", help="为每个机关生成一个填报表（.xlsx），写到 输出文件夹/<机关><年度>年报填报表.xlsx："
             "基本信息、与官方格式相同的表二、表三、表四（栏目名称锁定，只能在浅黄色格中填非负数，总计用公式计算，"
             "核对格实时显示“通过”或红色的“不平衡”），以及各部分文字。内容按数据文件预先填好"
             "（用 nianbao new 开始的新年度文件已带上年结转）。填好后用 nianbao import 读回。"
             f"可以给出文件夹（不含子文件夹；{DEFAULTS_FILE} 是各机关的共同设置）。"
             "已存在的填报表不覆盖（可能已有人填写），除非加 --force。\n\n退出码：0 成功，1 文件问题，3 数据文件有错误。")
@click.argument("files", nargs=-1, required=True, metavar="数据文件或文件夹...", type=click.Path(readable=False, path_type=Path))
@click.option("--output", "-o", "out_dir", default="out", show_default=True, metavar="输出文件夹",
              type=click.Path(file_okay=False, path_type=Path), help="填报表写到哪个文件夹。")
@click.option("--force", "-f", is_flag=True, default=False, help="覆盖已存在的填报表。")
@_template_option
@click.help_option("--help", "-h")
def form(files: tuple[Path, ...], out_dir: Path, force: bool, template: str | None) -> None:
    from .form_writer import make_forms

    outcomes = make_forms(files, out_dir, force=force, template=template)
    for outcome in outcomes:
        for problem in outcome.problems:
            if problem.is_error:
                click.echo(problem.format(), err=True)
        if outcome.target is not None:
            click.echo(f"已生成：{outcome.target}")
        else:
            click.echo(outcome.note, err=True)
    if any(o.problems and o.target is None for o in outcomes):
        raise click.exceptions.Exit(ChecksFailed.exit_code)
    if any(o.target is None for o in outcomes):
        raise click.exceptions.Exit(EXIT_FILE)


@cli.command(short_help="用上年的数据文件开始本年的数据文件。", help="用上年的数据文件开始本年的数据文件：基本信息和文字沿用（每段文字都标上“【待改写】”，"
             "check 会提醒直到删去），“二、上年结转”按上年“四、结转下年度继续办理”填好，其余数字为 0。"
             "默认写到上年文件夹旁边以本年度命名的文件夹中，如 data/龙马潭区/2024/安宁街道.yaml → "
             "data/龙马潭区/2025/安宁街道.yaml。\n\n退出码：0 成功，1 文件问题。")
@click.argument("previous", metavar="上年数据文件", type=click.Path(readable=False, dir_okay=False, path_type=Path))
@click.option("--year", "-y", metavar="年度", default=None, help="本年度，如 2025；默认为上年年度加 1。")
@click.option("--output", "-o", "output", default=None, metavar="数据文件.yaml",
              type=click.Path(dir_okay=False, path_type=Path), help="写到哪里；默认按年度文件夹推断。")
@click.option("--force", "-f", is_flag=True, default=False, help="输出文件已存在时覆盖它。")
@click.help_option("--help", "-h")
def new(previous: Path, year: str | None, output: Path | None, force: bool) -> None:
    from .new_year import new_year_file

    result = new_year_file(previous, year=year, output=output, force=force)
    click.echo(f"已生成：{result.target}（{len(result.carried)} 段文字待改写）")
    for shared in result.defaults_written:
        click.echo(f"已生成：{shared}（共同设置，年度已改为 {result.year}，请核对其中的内容）")


def _write_pdfs(docx_files: list[Path]) -> bool:
    """`build --pdf`: one LibreOffice run for all reports written; False if some PDF could not be made.

    Without LibreOffice only a hint is shown: the .docx files are written all the same.
    """
    from .pdf import OfficeSuiteMissing, convert_to_pdf

    try:
        result = convert_to_pdf(docx_files)
    except OfficeSuiteMissing as exc:
        click.echo(f"提示：{exc.message}", err=True)
        return True
    for path in result.written:
        click.echo(f"已生成：{path}")
    for path in result.failed:
        click.echo(f"{path} 错误：LibreOffice 未能把它转换为 PDF（{result.detail or '没有输出'}）", err=True)
    return not result.failed


@cli.command(short_help="输出数据文件的 JSON Schema，供编辑器提示和检查。", help="输出模板的数据文件 JSON Schema（Draft 7）："
             "官方栏目名作键，每项带说明（单位、这一行的含义），写错的键、类型和缺少的部分在编辑器中即时标出。"
             "nianbao new 和 nianbao import 写出的数据文件第一行 “# yaml-language-server: $schema=…” 指向放在同一文件夹中的这个文件。"
             "\n\n表格勾稽关系等仍由 nianbao check 核对。")
@_template_option
@click.option("--output", "-o", "output", default=None, metavar="文件", type=click.Path(dir_okay=False, path_type=Path),
              help="写到这个文件；不给时输出到屏幕。")
@click.option("--shared", is_flag=True, default=False,
              help="共同设置文件（如 _共同.yaml）用的版本：各项都不是必填。")
@click.help_option("--help", "-h")
def schema(template: str | None, output: Path | None, shared: bool) -> None:
    from .schema import schema_text
    from .spec import load_spec, resolve_template
    from .write import write_atomic

    text = schema_text(load_spec(resolve_template(template, base=Path.cwd())), partial=shared)
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomic(output, text.encode("utf-8"))
    click.echo(f"已写出：{output}")


@cli.group(cls=NianbaoGroup, short_help="模板：新建、检查自己的模板。", help="模板相关的命令。")
def template() -> None:
    pass


@template.command("check", short_help="检查模板文件夹，列出全部问题。", help="检查模板文件夹：Word 模板中被拆开或改坏的占位符"
                  "（{{ }} 或 {% %} 不成对、标签中有中文引号）、不在约定中的变量、没有结尾的循环、缺失或顺序不对的表格、"
                  "表格形状与官方格式不符、没有备用字体的字体，以及 rules.yaml 中写错的规则（rules.yaml:行号）。"
                  "build 生成报告前也做同样的检查。\n\n退出码：0 没有问题，1 有问题或无法读取。")
@click.argument("folder", metavar="模板目录", type=click.Path(readable=False, path_type=Path, file_okay=False))
def template_check(folder: Path) -> None:
    from .spec import resolve_template
    from .template_lint import lint_template

    # A name is also looked for in ./templates/, where `template new` puts it (as `schema -t` does).
    problems = lint_template(resolve_template(str(folder), base=Path.cwd()))
    for problem in problems:
        click.echo(problem)
    if problems:
        raise failure(f"模板有 {len(problems)} 个问题", EXIT_FILE)
    click.echo(f"模板 {folder} 没有发现问题")


@template.command("new", short_help="以现有模板为上级，新建一个自己的模板文件夹。", help="新建模板文件夹（默认 templates/名称）："
                  "复制上级模板的 template.docx 供修改，并写 模板.yaml 记下上级模板。字段、规则和默认设置沿用上级模板，"
                  "在新文件夹中放 fields.yaml、rules.yaml 或 defaults.yaml 可以逐项覆盖。在数据文件中写“模板: 名称”或用 -t 使用它。")
@click.argument("name", metavar="名称")
@click.option("--from", "parent", default="official-2021", show_default=True, metavar="上级模板",
              help="上级模板的名称或文件夹路径。")
@click.option("--output", "-o", "output", default=None, metavar="文件夹", type=click.Path(path_type=Path, file_okay=False),
              help="新模板放在这个文件夹；默认 templates/名称。")
@click.help_option("--help", "-h")
def template_new(name: str, parent: str, output: Path | None) -> None:
    from .template_new import new_template

    folder = new_template(name, parent, output)
    click.echo(f"已新建模板：{folder}（上级模板：{parent}）")
    click.echo(f"在 Word/WPS 中修改 {folder / 'template.docx'}，然后运行 nianbao template check {folder}")


def main() -> None:
    # What the imports made lives as long as the process: moved out of the collector's sight, so that the
    # collections the command's work sets off do not walk it again and again (~4 % of a one-office run).
    gc.freeze()
    freeze_after_loading()  # and the same after the renderer is loaded, if the command needs it
    # SIGTERM to the run (alone): its half-written files are removed and it says so; its workers follow it
    # (see batch.die_with_parent) and remove theirs. The default action would leave .tmp files behind.
    with contextlib.suppress(ValueError, OSError):  # not the main thread, or no such signal here
        signal.signal(signal.SIGTERM, functools.partial(exit_on_sigterm, notice=TERMINATED))
    try:
        cli(prog_name="nianbao")
    finally:
        remember_compiled_patterns()  # what the imports and the command compiled, for the next start
        remember_generated_code()
