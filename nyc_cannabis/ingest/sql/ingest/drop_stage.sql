-- Drop this connection's staging view and tables (before reading a file and after loading it).
DROP VIEW IF EXISTS temp.stage_typed;
DROP TABLE IF EXISTS temp.stage;
DROP TABLE IF EXISTS temp.stage_check;
DROP TABLE IF EXISTS temp.stage_losers;
DROP TABLE IF EXISTS temp.stage_collisions;
DROP TABLE IF EXISTS temp.stage_pairs;
DROP TABLE IF EXISTS temp.stage_rejects;
DROP TABLE IF EXISTS temp.stage_shift;
DROP TABLE IF EXISTS temp.stage_reject_errors;
DROP TABLE IF EXISTS temp.stage_reject_scans;
