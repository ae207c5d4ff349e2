"""The command line and the dashboard read one declaration per view (present/views.py): the same parameter
names, choices and defaults. Checked on the built click commands and on the pages themselves (AppTest)."""

from __future__ import annotations

import click
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from nyc_cannabis.cli import cli
from nyc_cannabis.present import views
from nyc_cannabis.ui.nav import PAGES


@pytest.mark.parametrize("view", list(views.VIEWS.values()), ids=lambda v: v.name)
def test_every_view_parameter_is_a_cli_option_with_the_same_choices_and_default(view):
    command = cli.commands[view.command]
    options = {p.name: p for p in command.params}
    for param in view.params:
        option = options[param.key]
        assert param.option in option.opts, (view.name, param.key)
        if param.kind == "choice":
            choices = getattr(option.type, "choices", None)
            allowed = tuple(choices) if choices is not None else option.type.param.values  # a regime: id or file
            assert tuple(map(str, allowed)) == tuple(map(str, param.values)), (view.name, param.key)
        if param.kind == "int":
            assert (option.type.min, option.type.max) == param.values
        if param.kind == "date":
            assert isinstance(option.type, click.DateTime) and option.default is None
        elif not option.required:
            assert option.default == param.default, (view.name, param.key)


def _second(param: views.Param) -> str | None:
    """A valid value other than the default, as URL text (None: the parameter has no second value)."""
    if param.kind == "choice":
        others = [v for v in param.values if v != param.default]
        return str(others[-1]) if others else None
    return {"bool": "1", "int": "25", "text": "173130602"}.get(param.kind)


@pytest.mark.parametrize("view", list(views.VIEWS.values()), ids=lambda v: v.name)
def test_every_view_parameter_is_read_from_the_page_url(monkeypatch, demo_db, view):
    """Open the view's page with a non-default value for every parameter: each is taken, none refused."""
    monkeypatch.setenv("ANALYTICS_DB", str(demo_db))
    url = {p.key: v for p in view.params if (v := _second(p)) is not None}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(next(p.file for p in PAGES if p.url_path == view.page))
    at.query_params.update(url)
    at.run()
    assert not at.exception, at.exception
    assert not [w.value for w in at.warning if "cannot use" in w.value], [w.value for w in at.warning]
    for key, raw in url.items():
        assert view[key].dump(at.session_state[key]) == raw, key
