"""``fplan norms validate`` on broken catalogues, one defect each (``tests/_catalogues.py``):
every defect printed on a line of its own naming the rule, the field and the value given —
Chinese by default with no English sentence, English with ``--lang en`` — exit code 2, and the
same defects with ``--json``."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from app.settings import PROJECT_ROOT
from tests._catalogues import BROKEN, PLAN_TEXT, Broken, readme_catalogue
from tests._english import english_sentences

if TYPE_CHECKING:
    from app.settings import Settings


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN_TEXT, encoding="utf-8")
    return path


def _validate(path: Path, plan: Path, *more: str) -> tuple[int, str]:
    args = ["norms", "validate", str(path), "--plan", str(plan), *more]
    result = CliRunner().invoke(cli, args, env={"FPLAN_LANG": ""})
    return result.exit_code, result.output


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("broken", BROKEN, ids=lambda broken: broken.name)
def test_each_defect_is_printed_with_rule_field_and_value(
    broken: Broken, lang: str, tmp_path: Path, plan: Path
) -> None:
    path = broken.write(tmp_path)

    # Chinese by default; English when asked
    asked = ("--lang", "en") if lang == "en" else ()
    code, printed = _validate(path, plan, *asked)
    json_code, answered = _validate(path, plan, "--json", *asked)

    assert (code, json_code) == (2, 2), printed
    answer = json.loads(answered)
    assert (answer["file"], answer["valid"]) == ("zhuzhou.yaml", False)
    problems = answer["problems"]
    assert broken.key in [problem["code"] for problem in problems]
    headline, *lines = printed.splitlines()
    assert "zhuzhou.yaml" in headline
    assert len(lines) == len(problems)
    for line, problem in zip(lines, problems, strict=True):
        assert line.startswith("  ")
        assert problem["msg"] in line
        for named in (problem["rule"], problem["field"], problem["value"]):
            if named is not None:
                assert named in line, (named, line)
        if lang == "en" and problem["rule"] is not None:
            assert f"rule {problem['rule']}" in line
    mine = next(p for p in problems if p["code"] == broken.key)
    assert (mine["rule"], mine["field"]) == (broken.rule, broken.field)
    if lang == "zh":
        assert english_sentences(printed) == [], printed
        assert "规则" in printed or "目录" in printed


def test_a_valid_catalogue_says_so_in_json(tmp_path: Path, plan: Path) -> None:
    path = tmp_path / "zhuzhou.yaml"
    path.write_text(readme_catalogue(), encoding="utf-8")

    code, answered = _validate(path, plan, "--json")

    assert code == 0
    assert json.loads(answered) == {
        "file": "zhuzhou.yaml",
        "valid": True,
        "city_adcode": "430200",
        "rules": 2,
        "quotes_checked": True,
    }


def test_a_missing_plan_text_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "zhuzhou.yaml"
    path.write_text(readme_catalogue(), encoding="utf-8")

    code, printed = _validate(path, tmp_path / "nowhere.txt")

    assert code == 2
    assert "nowhere.txt" in printed


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_check_and_verify_refuse_a_defective_catalogue_in_the_readers_language(
    lang: str, settings: "Settings", tmp_path: Path
) -> None:
    own = tmp_path / "norms"
    own.mkdir()
    broken = readme_catalogue().replace("minutes_rural: 15", "minutes_rural: fifteen")
    (own / "zhuzhou.yaml").write_text(broken, encoding="utf-8")
    fplan = Path(sys.executable).parent / "fplan"
    env = {
        **os.environ,
        "APP_DATABASE_URL": settings.database_url,
        "APP_NORMS_DIR": str(own),
        "FPLAN_LANG": lang,
    }

    for command in (["check", "--city", "430200"], ["norms", "verify"]):
        result = subprocess.run(
            [str(fplan), *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        line = next(line for line in result.stderr.splitlines() if "minutes_rural" in line)
        if lang == "zh":
            assert line.strip() == (
                "规则 zhuzhou.care_circle_15min 的 parameters.minutes_rural："
                "应为数字（给出的是 fifteen）"
            )
            assert english_sentences(result.stderr) == [], result.stderr
        else:
            assert line.strip() == (
                "rule zhuzhou.care_circle_15min, field parameters.minutes_rural: "
                "must be a number (given: fifteen)"
            )


def test_the_readme_shows_what_validate_prints(tmp_path: Path, plan: Path) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    (sample,) = [
        block
        for block in re.findall(r"```text\n(.*?)```", readme, flags=re.DOTALL)
        if block.startswith("$ fplan norms validate")
    ]
    path = tmp_path / "zhuzhou.yaml"
    broken = (
        readme_catalogue()
        .replace("达到7.5张", "达到9张")
        .replace("minutes_rural: 15", "minutes_rural: fifteen")
    )
    path.write_text(broken, encoding="utf-8")
    shown: list[str] = []
    for asked in ((), ("--lang", "en")):
        code, printed = _validate(path, plan, *asked)
        assert code == 2
        shown += [
            f"$ fplan norms validate zhuzhou.yaml --plan zhuzhou_plan.txt{' '.join(('', *asked))}"
        ]
        shown += printed.splitlines()

    assert sample.splitlines() == shown
