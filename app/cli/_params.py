"""Command-line values taken as they are where there is nothing to convert (no pydantic).

Typer converts every parameter's value with a pydantic ``TypeAdapter`` it builds on first use,
even an option left out (``None``) or a text option given text: importing pydantic and building
the adapters costs about 0.1 s, more than all the rest a listing command does
(``fplan token list``, ``cities`` …). :func:`take_plain_values` gives the parameters of a command
a converter that answers those two cases itself, as the library's would, and hands every other
value (numbers, paths, choices, lists) to the library's own converter, built then.
"""

from collections.abc import Iterable
from functools import cached_property
from typing import Any

from typer import _click
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer.core import _TyperParameter


class _PlainFirst(RuntimeParam):
    """The library's conversion, except a text value for a text parameter, taken as it is.

    :meth:`RuntimeParam.coerce` (inherited) already answers a left-out value (``None``, or ``()``
    for a repeated option) without converting anything.
    """

    # the parameter's declared type, as the library resolved it
    descriptor: TypeDescriptor

    def __init__(self, descriptor: TypeDescriptor) -> None:
        # a frozen dataclass: its fields are set as its own __init__ would
        object.__setattr__(self, "parameter_info", descriptor.parameter_info)
        object.__setattr__(self, "annotation", descriptor.annotation)
        object.__setattr__(self, "descriptor", descriptor)

    @cached_property
    def _text(self) -> bool:
        # typer's text adapter returns str(value) for a str (typer._adapters._parse_cli_str)
        return (
            self.annotation is str
            and self.parameter_info.parser is None
            and self.descriptor.file_annotation is None
        )

    @cached_property
    def _library(self) -> RuntimeParam:
        return build_runtime_param(self.descriptor)

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: _click.Context) -> Any:
        if self._text and type(value) is str:
            return value
        return self._library._coerce_value(value, param=param, ctx=ctx)


def take_plain_values(params: Iterable[_click.Parameter]) -> None:
    """Give each Typer parameter of ``params`` (a command's, its help option) the plain-first
    converter."""
    for param in params:
        if isinstance(param, _TyperParameter) and param._runtime_param is None:
            param._runtime_param = _PlainFirst(param.type_descriptor)
