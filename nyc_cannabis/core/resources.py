"""Files shipped inside the package (SQL, YAML, CSV, GeoJSON), found through :mod:`importlib.resources`, so
the installed package works from any directory, never through paths relative to the repository."""

from __future__ import annotations

from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

PACKAGE = "nyc_cannabis"


def resource(*parts: str) -> Traversable:
    """A file or folder of the package: ``resource("core", "reference", "census")``."""
    return files(PACKAGE).joinpath(*parts)


def resource_path(*parts: str) -> Path:
    """A package file as a filesystem path, for readers that need one (DuckDB, pandas, json). The package
    is installed as files (a wheel or the source tree), so this is the file itself, not a temporary copy."""
    with as_file(resource(*parts)) as path:
        return Path(path)
