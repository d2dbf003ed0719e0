"""``fplan --help`` and every command's help: each command and option in both languages, Chinese
first (``中文 / English``), from the message catalogue."""

import re

import click
from typer.main import get_command
from typer.testing import CliRunner

from app.cli import app

CJK = re.compile(r"[\u4e00-\u9fff]")


def _helps(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(where, help text) of a command, its options and arguments, and its subcommands."""
    found = [(" ".join(("fplan", *path)), command.help or "")]
    for param in command.params:
        if param.name != "help":
            found.append((f"fplan {' '.join(path)} {param.name}", getattr(param, "help", "") or ""))
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_helps(sub, (*path, name)))
    return found


def test_every_command_and_option_is_helped_in_chinese_then_english() -> None:
    helps = _helps(get_command(app))

    assert len(helps) > 130
    for where, text in helps:
        chinese, _, english = text.partition(" / ")
        assert CJK.search(chinese), (where, text)
        assert re.search(r"[A-Za-z]{2,}", english), (where, text)


def test_the_help_pages_show_both_languages() -> None:
    runner = CliRunner()

    top = runner.invoke(app, ["--help"])
    check = runner.invoke(app, ["check", "--help"])
    bench = runner.invoke(app, ["bench", "--help"])

    assert top.exit_code == check.exit_code == bench.exit_code == 0
    assert "fplan：在真实路网上做医疗卫生设施规划 / fplan: health facility planning" in top.stdout
    flat = " ".join(check.stdout.split())
    assert "只看未达标的结果 / only the results that fall short" in flat
    assert "跳过耗时的用例（百万节点路网）" in " ".join(bench.stdout.split())
