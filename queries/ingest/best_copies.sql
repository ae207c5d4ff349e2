-- One candidate per key among this file's valid rows: the most complete copy, then the earliest line.
CREATE OR REPLACE TEMP TABLE stage_best AS
SELECT * FROM stage WHERE reason = ''
QUALIFY row_number() OVER (PARTITION BY {{key}} ORDER BY completeness DESC, ordinal) = 1;
