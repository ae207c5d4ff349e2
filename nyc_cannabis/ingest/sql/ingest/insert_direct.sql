-- Fast path: every row of the file in one pass, straight from the CSV reader into the table, not numbered.
-- Valid rows go in under this file's source_id; invalid rows under its negative (with placeholders where
-- the key or date is missing), to be counted: a file with any sends the loader back to the numbered path,
-- after a rollback, so they never stay.
INSERT INTO {{stored}} BY NAME
SELECT * EXCLUDE (ordinal, reason, {{key}}, {{date}}),
       coalesce({{key}}, '') AS {{key}},
       coalesce({{date}}, DATE '0001-01-01') AS {{date}},
       CASE WHEN reason = '' THEN $source_id ELSE -$source_id END AS source_id
FROM stage_typed;
