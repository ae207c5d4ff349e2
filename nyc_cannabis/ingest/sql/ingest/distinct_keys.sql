-- The fast path's test: no key occurs twice in this file and none of its keys is stored already, so
-- there is nothing to deduplicate. Read from the raw staging rows (the key is stored as read), so it
-- is conservative: a key repeated only by a row that will be rejected still sends the file down the
-- full path. The stored keys are probed against the file's keys (the file's side is hashed).
SELECT NOT EXISTS (SELECT 1 FROM stage WHERE {{key}} IS NOT NULL GROUP BY {{key}} HAVING count(*) > 1)
   AND NOT EXISTS (SELECT 1 FROM {{table}} t SEMI JOIN stage s ON s.{{key}} = t.{{key}}) AS distinct_keys;
