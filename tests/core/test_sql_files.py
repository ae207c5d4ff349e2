"""Every SQL statement lives in a file ``<layer>/sql/<area>/<name>.sql`` of the package and is run by name
(``store.execute`` and friends), with named parameters: none is written inline in the Python of
``nyc_cannabis/`` (``bench/`` and ``tests/`` may), and every name the Python calls has its file.

The checks read the source with :mod:`ast`, so a statement split over lines, an f-string, a concatenation
or ``.format`` is seen as well as a plain literal; the checker is itself tested on snippets that must fail.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

import pytest

from nyc_cannabis.core import store as db

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("nyc_cannabis",)
#: DuckDB connection / relation methods that take SQL text
SQL_METHODS = {"execute", "executemany", "sql", "query", "from_query"}
#: store functions whose name argument is a query file (position of that argument)
STORE_FUNCTIONS = {"execute": 1, "fetch_dicts": 1, "fetch_one": 1, "fetch_df": 1, "sql_text": 0}
SQL_START = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*\(?\s*(SELECT|INSERT|CREATE|DELETE|UPDATE|ALTER|DROP|COPY|WITH|SET|RESET|PRAGMA|"
    r"ATTACH|DETACH|INSTALL|LOAD|EXPORT|IMPORT|CHECKPOINT|SUMMARIZE|DESCRIBE|SHOW|EXPLAIN|FROM|VALUES|"
    r"TRUNCATE|MERGE|PIVOT|UNPIVOT|CALL|USE|VACUUM|ANALYZE)\b", re.IGNORECASE)
#: a string anywhere in the code that is unmistakably a statement (upper-case keywords, as the project
#: writes SQL), e.g. a constant later passed to execute(): prose such as "Select a period" does not match
SQL_STATEMENT = re.compile(
    r"^\s*(SELECT\b[\s\S]*\bFROM\b|INSERT\s+(OR\s+\w+\s+)?INTO\b|CREATE\s+(OR\s+REPLACE\s+)?"
    r"(TEMP\s+|TEMPORARY\s+)?(TABLE|VIEW|MACRO|INDEX|SEQUENCE|TYPE)\b|DELETE\s+FROM\b|UPDATE\s+\S+\s+SET\b|"
    r"ALTER\s+(TABLE|VIEW)\b|DROP\s+(TABLE|VIEW|MACRO|INDEX)\b|COPY\s*\(|COPY\s+\S+\s+(TO|FROM)\b|"
    r"WITH\s+\S+\s+AS\s*\(|SET\s+\w+\s*(=|TO)\s*\S|PRAGMA\s+\w+|ATTACH\s+)")


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _leading_text(node: ast.AST) -> str | None:
    """The literal text a string expression starts with (literal, f-string, ``+``, ``%``, ``.format``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        text = ""
        for part in node.values:
            if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                return text + "\x00"  # the rest is formatted in: keep what came before
            text += part.value
        return text
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _leading_text(node.left)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"format", "join", "strip", "replace"}):
        return _leading_text(node.func.value) if node.func.attr != "join" else _join_text(node)
    return None


def _join_text(node: ast.Call) -> str | None:
    """``" ".join([...])`` of string parts: the text of its first part."""
    if node.args and isinstance(node.args[0], (ast.List, ast.Tuple)) and node.args[0].elts:
        return _leading_text(node.args[0].elts[0])
    return None


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def inline_sql(source: str, filename: str = "<source>") -> list[str]:
    """Each inline SQL statement in a module's source, as ``file:line: text``."""
    tree = ast.parse(source, filename)
    problems: dict[int, str] = {}
    skip = _docstrings(tree) | {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                                for part in node.values}

    def report(node: ast.AST, text: str, why: str) -> None:
        shown = " ".join(text.replace("\x00", "{...}").split())[:80]
        problems.setdefault(node.lineno, f"{filename}:{node.lineno}: {why}: {shown!r}")

    for node in ast.walk(tree):  # breadth first: a call is seen before the strings inside it
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in SQL_METHODS and node.args
                and not (isinstance(node.func.value, ast.Name) and node.func.value.id in {"store", "db"})):
            text = _leading_text(node.args[0])
            if text is not None and SQL_START.match(text):
                report(node, text, f".{node.func.attr}() of SQL text")
                skip.update(id(n) for n in ast.walk(node.args[0]))
        elif isinstance(node, (ast.Constant, ast.JoinedStr)) and id(node) not in skip:
            text = _leading_text(node)
            if text and SQL_STATEMENT.match(text):
                report(node, text, "SQL statement in a string")
    return [problems[line] for line in sorted(problems)]


def _store_names(node: ast.Call, imported: set[str]) -> ast.AST | None:
    """The query-name argument of a call to a store function, or None when ``node`` is not one."""
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in {"store", "db"}:
        name = func.attr
    elif isinstance(func, ast.Name) and func.id in imported:
        name = func.id
    else:
        return None
    if name not in STORE_FUNCTIONS:
        return None
    position = STORE_FUNCTIONS[name]
    return node.args[position] if len(node.args) > position else next(
        (k.value for k in node.keywords if k.arg == "name"), None)


def _name_patterns(node: ast.AST) -> list[str] | None:
    """Glob patterns for the query names an argument can take (None: not knowable from the source)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(p.value if isinstance(p, ast.Constant) else "*" for p in node.values)]
    if isinstance(node, ast.IfExp):
        body, orelse = _name_patterns(node.body), _name_patterns(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def query_names(source: str, filename: str = "<source>") -> list[tuple[str, int, list[str] | None, set[str] | None]]:
    """``(file, line, name patterns, identifiers passed)`` of each store call; identifiers None when a
    ``**mapping`` is passed (not knowable)."""
    tree = ast.parse(source, filename)
    imported = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and node.module in {"store", "nyc_cannabis.core.store"} for alias in node.names}
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (arg := _store_names(node, imported)) is not None:
            keywords = None if any(k.arg is None for k in node.keywords) else {
                k.arg for k in node.keywords if k.arg not in {"con", "name", "params"}}
            calls.append((filename, node.lineno, _name_patterns(arg), keywords))
    return calls


def _placeholders(name: str) -> set[str]:
    return set(db._PLACEHOLDER.findall(db._expanded(name)))


# ----------------------------------------------------------------------------------------------- the rules

def test_no_inline_sql_in_the_application():
    problems = [p for path in _sources()
                for p in inline_sql(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not problems, "SQL written inline in Python; move it to <layer>/sql/<area>/<name>.sql:\n" + "\n".join(problems)


def test_every_query_name_used_has_its_file():
    calls = [c for path in _sources() for c in query_names(path.read_text(encoding="utf-8"),
                                                              str(path.relative_to(ROOT)))]
    assert len(calls) > 30, "the store calls were not found: has the API been renamed?"
    problems = []
    for filename, line, patterns, identifiers in calls:
        if filename.endswith(("core/store.py", "core/db.py")):
            continue  # the implementations pass the caller's name on
        if patterns is None:
            problems.append(f"{filename}:{line}: the query name is not a literal (cannot be checked)")
            continue
        for pattern in patterns:
            matches = [name for name in db.sql_files() if fnmatch.fnmatchcase(name, pattern)]
            if not matches:
                problems.append(f"{filename}:{line}: no SQL file {pattern}.sql")
            for name in matches:
                try:
                    needed = _placeholders(name)  # its {{> includes}} resolve too
                except (OSError, ValueError) as exc:
                    problems.append(f"{filename}:{line}: {name}.sql: {exc}")
                    continue
                if identifiers is not None and needed - identifiers:
                    problems.append(f"{filename}:{line}: {name}.sql needs {sorted(needed - identifiers)}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------- the checker can fail

@pytest.mark.parametrize("code", [
    'con.execute("SELECT 1")',
    'con.execute("  select count(*) from t").fetchone()',
    'con.execute(f"SELECT count(*) FROM {table}")',
    'con.execute(f"DROP TABLE IF EXISTS temp.{t}")',
    'con.execute("""\n    CREATE TEMP TABLE s AS\n    SELECT * FROM x""")',
    'con.execute(\n    "INSERT INTO sources VALUES ($id, "\n    "$name)", {"id": 1})',
    'con.execute("SET threads = 1")',
    'con.execute("COPY (SELECT 1) TO " + target)',
    'con.execute("WITH a AS (SELECT 1) SELECT * FROM a")',
    'con.execute("ALTER TABLE {} ADD COLUMN x INTEGER".format(t))',
    'con.executemany("INSERT INTO t VALUES (?)", rows)',
    'con.sql("select 1")',
    'duckdb.query("SELECT 42")',
    'SQL = "SELECT a FROM t WHERE b = ?"\ncon.execute(SQL, [1])',
    'def f(con):\n    return con.execute("-- why\\nDELETE FROM t")',
])
def test_the_checker_finds_inline_sql(code):
    assert inline_sql(code)


@pytest.mark.parametrize("code", [
    'store.execute(con, "ingest/check", date=d, **ids)',
    'con.execute(text, params)',
    'pool.submit(sha256_file, path)',
    'label = "Select a period from the list"',
    'def f():\n    """SELECT the rows: a docstring may describe a query."""',
    'raise IngestError(f"{path}: update the file and set it again")',
])
def test_the_checker_accepts_named_queries_and_prose(code):
    assert not inline_sql(code)


def test_the_name_check_finds_a_missing_file_and_identifier():
    calls = query_names('store.execute(con, "ingest/no_such_query")\n'
                        'store.fetch_one(con, f"staging/{d}")\n'
                        'store.execute(con, "ingest/count_table")\n'
                        'from store import fetch_dicts\nfetch_dicts(con, "x/" + name)\n')
    by_line = {line: (patterns, ids) for _, line, patterns, ids in calls}
    assert by_line[1] == (["ingest/no_such_query"], set()) and "ingest/no_such_query" not in db.sql_files()
    assert by_line[2] == (["staging/*"], set())
    assert _placeholders("ingest/count_table") - by_line[3][1] == {"stored"}
    assert by_line[5][0] is None
