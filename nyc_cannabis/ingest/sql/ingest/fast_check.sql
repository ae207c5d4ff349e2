-- Fast path, after insert_direct: whether the file may stay as loaded. It may when it had no invalid row,
-- no key twice, and no key the database held already (then nothing needs ranking or a line number).
-- The stored keys are probed against this file's keys (the file's side is hashed).
SELECT (SELECT count(*) FROM {{stored}} WHERE source_id = -$source_id) AS rows_invalid,
       EXISTS (SELECT 1 FROM {{stored}} WHERE source_id = $source_id GROUP BY {{key}} HAVING count(*) > 1)
       AS repeated_keys,
       EXISTS (SELECT 1 FROM {{stored}} t
               WHERE t.source_id <> $source_id
                 AND t.{{key}} IN (SELECT {{key}} FROM {{stored}} WHERE source_id = $source_id)) AS stored_keys;
