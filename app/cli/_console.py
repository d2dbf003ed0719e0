"""Shared rich console for human output (stderr), so ``--json`` stdout stays clean; stage bars.

:class:`Stages` shows a command's long steps as progress bars labelled from the message
catalogue (``progress.*`` keys of :mod:`geo.messages`, Chinese by default). Bars are drawn for
a person only: never with ``--json``, and not when stdout or stderr is no terminal (output
piped to a file or a program) unless ``FPLAN_PROGRESS=1`` forces them (``FPLAN_PROGRESS=0``
turns them off). Services never draw:
they take a ``progress`` callback, and the command turns its calls into :meth:`Stages.stage`
and :meth:`Stages.update`.
"""

import os
import sys
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console

from geo import messages
from geo.messages import Lang

if TYPE_CHECKING:
    from rich.progress import TaskID

console = Console(stderr=True)


def progress_enabled(*, json_mode: bool = False) -> bool:
    """True when progress bars are wanted: a person at a terminal, or ``FPLAN_PROGRESS=1``."""
    if json_mode:
        return False
    forced = os.environ.get("FPLAN_PROGRESS", "").strip().lower()
    if forced in {"1", "yes", "true", "always"}:
        return True
    if forced in {"0", "no", "false", "never"}:
        return False
    return console.is_terminal and sys.stdout.isatty()


class Stages:
    """One bar per stage of a command, on stderr, labelled in the reader's language.

    Parameters
    ----------
    lang
        The reader's language.
    enabled
        Draw anything at all (see :func:`progress_enabled`).
    """

    def __init__(self, lang: Lang = messages.DEFAULT_LANG, *, enabled: bool = True) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.lang = lang
        self.enabled = enabled
        self._bar: Progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
        )
        self._current: TaskID | None = None

    def __enter__(self) -> "Stages":
        self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self._finish()
        self._bar.stop()

    def stage(self, key: str, total: float | None = None, **fields: object) -> None:
        """Start stage ``progress.<key>``, the previous one done; ``total`` steps or None."""
        self.stage_key(f"progress.{key}", total, **fields)

    def stage_key(self, key: str, total: float | None = None, **fields: object) -> None:
        """Start a stage labelled by the catalogue's message ``key`` (e.g. a service's step)."""
        self._finish()
        label = messages.text(key, self.lang, **fields)
        self._current = self._bar.add_task(label, total=total)

    def update(self, done: float, total: float | None = None) -> None:
        """Move the current stage's bar to ``done`` of ``total`` steps (bytes, rules, …)."""
        if self._current is None:
            return
        self._bar.update(self._current, completed=done, total=total)

    def _finish(self) -> None:
        if self._current is None:
            return
        task = self._bar.tasks[-1]
        # a stage of unknown length reads as done, not as an endless pulse
        total = task.total if task.total is not None else max(task.completed, 1.0)
        self._bar.update(self._current, completed=total, total=total)
        self._current = None


def peak_memory_mb() -> float:
    """This process's peak resident memory (``ru_maxrss``), MB; 0 where the platform lacks it."""
    try:
        import resource
    except ImportError:
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux gives KiB, macOS bytes
    return peak / (1024 * 1024) if os.uname().sysname == "Darwin" else peak / 1024
