"""Click options built from a view's parameters (``present/views.py``), so the command line and the
dashboard's URL parameters have the same names, choices and defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click

from nyc_cannabis.present.views import Param, View


class RegimeOrFile(click.ParamType):
    """A regime of the catalogue by id, or (on the command line only) a reform YAML file."""

    name = "regime"

    def __init__(self, param: Param) -> None:
        self.param = param

    def convert(self, value: Any, option: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if text in self.param.values or Path(text).suffix in (".yaml", ".yml"):
            return text
        self.fail(f"{text!r} is not one of {', '.join(self.param.values)} nor a .yaml file", option, ctx)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(self.param.values) + "|FILE.yaml]"


def _type(param: Param) -> click.ParamType:
    if param.kind == "date":
        return click.DateTime(["%Y-%m-%d"])
    if param.kind == "int":
        low, high = param.values
        return click.IntRange(low, high)
    if param.kind == "text":
        return click.STRING
    if param.key == "regime":
        return RegimeOrFile(param)
    return click.Choice([str(v) for v in param.values])


def view_options(view: View, **required: bool) -> Callable:
    """Decorate a command with one option per parameter of ``view`` (``required={"key": True}`` to make
    one required: an explain key has no sensible default)."""
    def decorate(fn: Callable) -> Callable:
        for param in reversed(view.params):
            if param.kind == "bool":
                fn = click.option(param.option, param.key, is_flag=True, default=param.default,
                                  help=param.help)(fn)
                continue
            fn = click.option(param.option, param.key, type=_type(param), required=required.get(param.key, False),
                              default=None if required.get(param.key) else param.default,
                              show_default=param.default is not None and not required.get(param.key),
                              help=param.help)(fn)
        return fn
    return decorate
