"""Run a planner script with the project's own Python when it is started with another one.

``python scenarios/x.py`` (as the README says) may start a Python that lacks the project's
packages (the system one, outside ``.venv``). The script then restarts itself, once, with
``.venv/bin/python`` of the project when there is one, so the command works as written. This
module imports nothing beyond the standard library: it runs before the project's packages can.
"""

import importlib.util
import os
import sys
from pathlib import Path

# set on the restart, so that a .venv lacking the packages too fails instead of looping
_RESTARTED = "FPLAN_SCRIPT_RESTARTED"


def use_project_python(script: str) -> None:
    """Make the project importable; restart ``script`` with the project's Python if needed.

    Parameters
    ----------
    script
        The running script's ``__file__``.
    """
    root = Path(script).resolve().parents[1]
    if str(root) not in sys.path:
        # run as `python scenarios/x.py`: the project root holds the scenarios package
        sys.path.insert(0, str(root))
    if importlib.util.find_spec("sqlalchemy") is not None:
        return
    project_python = root / ".venv" / "bin" / "python"
    if project_python.is_file() and not os.environ.get(_RESTARTED):
        os.environ[_RESTARTED] = "1"
        os.execv(project_python, [str(project_python), script, *sys.argv[1:]])  # noqa: S606
    msg = (
        "缺少项目依赖：请先运行 make setup，再用 .venv/bin/python -m scenarios.<name> / "
        "the project's packages are missing: run `make setup`, then "
        "`.venv/bin/python -m scenarios.<name>`"
    )
    raise SystemExit(msg)
