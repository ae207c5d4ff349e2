"""DuckDB access: connections and the SQL files in ``queries/``. Imports nothing from the project."""

from store.db import connect, execute, fetch_df, fetch_dicts, fetch_one, sql_text

__all__ = ["connect", "execute", "fetch_df", "fetch_dicts", "fetch_one", "sql_text"]
