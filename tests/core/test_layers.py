"""The package's layers import only the layers before them, so the tree reads as the pipeline:
core → sources → ingest → law → projection → stats → present → cli | ui. Also: only ``ui`` imports Streamlit,
only ``present`` and ``ui`` import plotly, and the law never imports DuckDB.

The rules are read from the source with :mod:`ast` (imports inside functions count too); the checker is
itself tested on a module that breaks each rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "nyc_cannabis"
LAYERS = ("core", "sources", "ingest", "law", "projection", "stats", "present", ("cli", "ui"))
RANK = {name: i for i, layer in enumerate(LAYERS) for name in (layer if isinstance(layer, tuple) else (layer,))}
#: third-party packages only some layers may import
ONLY = {"streamlit": {"ui"}, "plotly": {"present", "ui"}, "kaleido": {"present", "ui"}}
NEVER = {"law": {"duckdb"}}


def layer_of(module: str) -> str | None:
    """``nyc_cannabis.stats.rates`` → ``stats``; the package's own top (``__init__``, ``__main__``) → None."""
    parts = module.split(".")
    if parts[0] != "nyc_cannabis" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in RANK else None


def imports(source: str) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            if node.module == "nyc_cannabis":  # from nyc_cannabis import stats
                out += [(node.lineno, f"nyc_cannabis.{alias.name}") for alias in node.names]
    return out


def violations(module: str, source: str) -> list[str]:
    """What ``module`` (dotted name) imports against the rules, one line each."""
    here = layer_of(module)
    if here is None:
        return []
    found = []
    for line, name in imports(source):
        target = layer_of(name)
        top = name.split(".")[0]
        if target is not None and target != here and RANK[target] >= RANK[here]:
            found.append(f"{module}:{line}: {here} imports {name} ({target} is not before {here})")
        if top in ONLY and here not in ONLY[top]:
            found.append(f"{module}:{line}: {here} imports {top} (only {', '.join(sorted(ONLY[top]))} may)")
        if top in NEVER.get(here, ()):
            found.append(f"{module}:{line}: {here} imports {top} (never in {here})")
    return found


def package_modules() -> list[tuple[str, Path]]:
    return [(".".join(("nyc_cannabis", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__"), p)
            for p in sorted(PACKAGE.rglob("*.py"))]


def test_every_layer_imports_only_the_layers_before_it():
    problems = [v for module, path in package_modules() for v in violations(module, path.read_text(encoding="utf-8"))]
    assert len(package_modules()) > 40
    assert not problems, "imports against the layer order:\n" + "\n".join(problems)


@pytest.mark.parametrize("module, source, expected", [
    ("nyc_cannabis.ingest.cells", "from nyc_cannabis.law import regimes\n", "ingest imports nyc_cannabis.law"),
    ("nyc_cannabis.core.store", "def f():\n    from nyc_cannabis.stats import rates\n", "core imports nyc_cannabis.stats"),
    ("nyc_cannabis.present.charts", "import streamlit as st\n", "present imports streamlit"),
    ("nyc_cannabis.stats.rates", "import plotly.graph_objects as go\n", "stats imports plotly"),
    ("nyc_cannabis.law.crosswalk", "import duckdb\n", "law imports duckdb (never in law)"),
    ("nyc_cannabis.cli", "from nyc_cannabis import ui\n", "cli imports nyc_cannabis.ui"),
    ("nyc_cannabis.ui.data", "from nyc_cannabis.cli import main\n", "ui imports nyc_cannabis.cli"),
])
def test_the_checker_finds_each_forbidden_import(module, source, expected):
    assert any(expected in v for v in violations(module, source)), violations(module, source)


def test_the_checker_allows_the_pipeline_order():
    ok = ("from nyc_cannabis.core import store\nfrom nyc_cannabis.law import regimes\n"
          "from nyc_cannabis.projection.project import project\nimport duckdb\nimport pandas\n")
    assert violations("nyc_cannabis.stats.disparity", ok) == []
