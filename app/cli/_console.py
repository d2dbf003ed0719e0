"""Shared rich console for human output (stderr), so ``--json`` stdout stays clean."""

from rich.console import Console

console = Console(stderr=True)
