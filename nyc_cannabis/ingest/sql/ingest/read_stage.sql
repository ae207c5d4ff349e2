-- Numbered path: the file ({{file}}, the reader's view) kept in the temp table `stage`, in file order
-- (rowid = position among the records the reader could split and type), and read as `stage_rows` with
-- that position as `ordinal`.
CREATE TEMP TABLE stage AS SELECT * FROM {{file}};
CREATE OR REPLACE TEMP VIEW stage_rows AS SELECT rowid AS ordinal, * FROM stage;
