"""``python -m nyc_cannabis <command>`` (or ``nyc-cannabis-enforcement <command>``): the one command line.

Every command takes ``--json`` (machine-readable output on stdout) and otherwise prints a readable summary.
Exit code 0 on success; on failure, one line ``error: …`` on stderr and a non-zero code (1 for a refused
input or failed operation, 2 for bad usage). The options of ``project``, ``disparity``, ``trend`` and
``explain`` are built from the views the dashboard's pages share (``present/views.py``).
"""

from __future__ import annotations

from nyc_cannabis.cli import data, export, law, stats  # noqa: F401 - registers the commands
from nyc_cannabis.cli.base import Failure, cli

__all__ = ["Failure", "cli", "main"]


def main() -> None:
    cli(prog_name="nyc-cannabis-enforcement")
