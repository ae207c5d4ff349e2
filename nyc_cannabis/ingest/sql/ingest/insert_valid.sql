-- Fast path (no key repeats within the file or against the table): every valid row is a new record.
-- One pass over the staging view, straight into the table.
INSERT INTO {{table}} BY NAME
SELECT * EXCLUDE (ordinal, reason), $source_id AS source_id
FROM stage_typed
WHERE reason = '';
