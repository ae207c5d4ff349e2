-- Drop this connection's staging views and tables (before reading a file and after loading it); the
-- views that add a missing column (csv_add_column.sql) are dropped by the loader, which knows their names.
DROP VIEW IF EXISTS temp.stage_ranked;
DROP VIEW IF EXISTS temp.stage_typed;
DROP VIEW IF EXISTS temp.stage_rows;
DROP VIEW IF EXISTS temp.stage_csv;
DROP TABLE IF EXISTS temp.stage;
DROP TABLE IF EXISTS temp.stage_check;
DROP TABLE IF EXISTS temp.stage_losers;
DROP TABLE IF EXISTS temp.stage_collisions;
DROP TABLE IF EXISTS temp.stage_pairs;
DROP TABLE IF EXISTS temp.stage_rejects;
DROP TABLE IF EXISTS temp.stage_shift;
DROP TABLE IF EXISTS temp.stage_reject_errors;
DROP TABLE IF EXISTS temp.stage_reject_scans;
