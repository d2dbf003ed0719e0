"""``fplan``'s help and usage errors in the reader's language, from the message catalogue.

Chinese by default: every command's and option's help, and the command line's own words (the
usage line, the headings, the help option, "[default: …]", usage errors) hold no English
sentence. English with ``FPLAN_LANG=en`` or ``--lang en``. The help is built when the commands
are declared, so each language is asked of a fresh ``fplan`` process, as a person runs it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import click
from typer.main import get_command
from typer.testing import CliRunner

from app.cli import app
from app.cli._help import lang_from, reader_lang
from tests._english import english_sentences

CJK = re.compile(r"[\u4e00-\u9fff]")
FPLAN = str(Path(sys.executable).with_name("fplan"))


def fplan(*args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``fplan`` with ``FPLAN_LANG`` set to ``lang`` (unset when None)."""
    env = {k: v for k, v in os.environ.items() if k != "FPLAN_LANG"}
    env["COLUMNS"] = "100"
    if lang is not None:
        env["FPLAN_LANG"] = lang
    return subprocess.run(
        [FPLAN, *args], capture_output=True, text=True, env=env, check=False, timeout=120
    )


def _helps(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(where, help text) of a command, its options and arguments, and its subcommands."""
    found = [(" ".join(("fplan", *path)), command.help or "")]
    for param in command.params:
        if param.name != "help":
            found.append((f"fplan {' '.join(path)} {param.name}", getattr(param, "help", "") or ""))
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_helps(sub, (*path, name)))
    return found


def test_the_reader_asks_for_a_language_on_the_command_line_or_in_the_environment() -> None:
    assert lang_from([], {}) == "zh"
    assert lang_from(["check", "--lang", "en"], {}) == "en"
    assert lang_from(["check", "--lang=en"], {"FPLAN_LANG": "zh"}) == "en"
    assert lang_from(["check"], {"FPLAN_LANG": "en-GB"}) == "en"
    assert lang_from(["check", "--lang", "fr"], {}) == "zh"


def test_every_command_and_option_is_helped_in_chinese() -> None:
    assert reader_lang() == "zh", "the tests run without FPLAN_LANG"
    helps = _helps(get_command(app))

    assert len(helps) > 130
    for where, text in helps:
        assert CJK.search(text), (where, text)
        assert english_sentences(text) == [], (where, text)


def test_the_chinese_help_pages_hold_no_english_sentence() -> None:
    for args in (["--help"], ["check", "--help"], ["network", "import", "--help"]):
        shown = fplan(*args)

        assert shown.returncode == 0, shown.stderr
        page = shown.stdout
        assert page.startswith(f"用法：fplan {' '.join(args[:-1])}".replace("  ", " ").rstrip())
        assert "选项：" in page
        assert "显示本帮助并退出" in page
        assert english_sentences(page) == [], (args, english_sentences(page))
    assert "命令：" in fplan("--help").stdout


def test_chinese_help_fits_the_terminal_by_its_width_on_screen() -> None:
    """A Chinese character takes two cells: the help is wrapped by cells, so no line passes the
    terminal's 100 columns, and the option column is aligned on screen."""
    from rich.cells import cell_len

    for args in (["--help"], ["network", "import", "--help"], ["check", "--help"]):
        lines = fplan(*args).stdout.splitlines()

        assert max(cell_len(line) for line in lines) <= 100, args
        # every option's help starts in the same screen column
        starts = {
            cell_len(line[: line.index(parts[1].strip())])
            for line in lines
            if line.startswith("  --") and len(parts := line[2:].split("  ", 1)) == 2
        }
        assert len(starts) == 1, (args, starts)
    usage = fplan("--help").stdout.splitlines()[0]
    assert usage == "用法：fplan [选项] 命令 [参数]..."


def test_defaults_and_required_options_are_marked_in_chinese() -> None:
    page = " ".join(fplan("network", "synth", "--help").stdout.split())

    assert "[必填]" in page
    assert "[默认：0]" in page
    assert "default" not in page


def test_the_english_help_pages() -> None:
    by_environment = fplan("check", "--help", lang="en").stdout
    by_option = fplan("--lang", "en", "--help").stdout

    assert by_environment.startswith("Usage: fplan check")
    assert "Show this message and exit." in by_environment
    assert "Check every norm of CITY's plan" in " ".join(by_environment.split())
    # Chinese only in examples of names (零陵区)
    assert not re.search(r"用法|选项|显示本帮助|默认|必填", by_environment)
    assert "Options:" in by_option
    assert "Commands:" in by_option
    assert "health facility planning" in by_option


def test_a_bad_option_gets_a_chinese_error_naming_it() -> None:
    failed = fplan("check", "--bogus")

    assert failed.returncode == 2
    assert failed.stdout == ""
    assert "用法：fplan check [选项]" in failed.stderr
    assert "运行“fplan check --help”查看帮助。" in failed.stderr
    assert "错误：没有 --bogus 这个选项" in failed.stderr
    assert english_sentences(failed.stderr) == []


def test_usage_errors_name_what_is_wrong_in_chinese() -> None:
    missing = fplan("network", "synth")
    not_a_number = fplan("network", "synth", "--city", "430100", "--nodes", "many")
    not_a_choice = fplan("check", "--city", "430100", "--format", "docx")
    no_command = fplan("netwrk")
    no_value = fplan("check", "--city")

    assert "错误：缺少选项 '--city'。" in missing.stderr
    assert "错误：'--nodes' 的取值无效：应为整数" in not_a_number.stderr
    assert "'docx' 不是可选的取值；可选：" in not_a_choice.stderr
    assert "错误：没有 netwrk 这个命令。" in no_command.stderr
    assert "错误：选项 '--city' 后面需要给出取值" in no_value.stderr
    for failed in (missing, not_a_number, not_a_choice, no_command, no_value):
        assert failed.returncode == 2
        assert english_sentences(failed.stderr) == [], failed.stderr


def test_a_bad_option_in_english() -> None:
    failed = fplan("check", "--bogus", lang="en")

    assert failed.returncode == 2
    assert "Try 'fplan check --help' for help." in failed.stderr
    assert "Error: No such option: --bogus" in failed.stderr


def test_the_help_and_errors_of_a_command_run_in_process_are_chinese_too() -> None:
    runner = CliRunner()

    page = runner.invoke(app, ["report", "--help"], prog_name="fplan")
    failed = runner.invoke(app, ["report", "--city", "430100", "--bogus"], prog_name="fplan")

    assert page.exit_code == 0
    assert page.stdout.startswith("用法：fplan report [选项]")
    assert "写出 CITY 的核查报告" in page.stdout
    assert failed.exit_code == 2
    assert "错误：没有 --bogus 这个选项" in failed.stderr


def _paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command's path below ``command``, groups included."""
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_paths(sub, (*path, name)))
    return found


def test_every_help_page_names_its_values_in_chinese() -> None:
    # the value placeholders beside options (<文本>, <整数>, <路径> …), not Click's <int range>
    runner = CliRunner()
    paths = _paths(get_command(app))
    assert len(paths) > 20

    for path in paths:
        page = runner.invoke(app, [*path, "--help"], prog_name="fplan", env={"FPLAN_LANG": ""})

        assert page.exit_code == 0, (path, page.output)
        assert not re.findall(r"<[A-Za-z][A-Za-z ]*>", page.stdout), (path, page.stdout)
        assert english_sentences(page.stdout) == [], (path, english_sentences(page.stdout))
