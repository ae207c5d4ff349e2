-- The record views this database has (schema/<dataset>_view.sql creates a missing one; opening a database
-- that has them writes nothing).
SELECT view_name FROM duckdb_views() WHERE NOT temporary AND schema_name = 'main'
  AND view_name IN ('arrests', 'summonses');
