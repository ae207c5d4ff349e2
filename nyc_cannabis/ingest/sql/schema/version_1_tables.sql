-- Record tables of a version-1 database (derived columns stored; since version 2 they are views over
-- <dataset>_raw): what schema/migrate_records.sql turns into version 2, once.
SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main'
  AND table_name IN ('arrests', 'summonses') ORDER BY table_name;
