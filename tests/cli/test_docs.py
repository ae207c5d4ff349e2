"""Every command of the command line has its help text and is named in the README (and ../shared is never a
reference of the project's own code or docs: a clone does not have it)."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, cli

from nyc_cannabis.cli import cli as group

COMMANDS = sorted(group.commands)


def test_the_commands_are_the_ones_documented():
    assert len(COMMANDS) >= 13


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(name):
    command = group.commands[name]
    assert command.help and len(command.help.split()) >= 4, name
    code, out, _ = cli(name, "--help")
    assert code == 0 and "--json" in out, name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"(nyc-cannabis-enforcement|python -m nyc_cannabis) {re.escape(name)}\b", readme), \
        f"README shows no example of {name}"


def test_no_reference_to_the_shared_folder_in_the_project():
    offenders = [str(p.relative_to(ROOT)) for pattern in ("nyc_cannabis/**/*", "docs/*.md", "README.md", "bench/*",
                                                          "data/README.md", "Makefile")
                 for p in ROOT.glob(pattern) if p.is_file() and p.suffix in (".py", ".md", ".sql", ".yaml", "")
                 and "../shared" in p.read_text(encoding="utf-8", errors="replace")]
    assert not offenders, offenders
