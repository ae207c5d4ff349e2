-- Write this file's best copies: keys not stored yet, and keys whose stored copy is less complete.
DELETE FROM {{table}}
WHERE {{key}} IN (SELECT record_key FROM stage_pairs WHERE replaces);
INSERT INTO {{table}} BY NAME
SELECT * EXCLUDE (ordinal, reason)
FROM stage_best
WHERE {{key}} NOT IN (SELECT {{key}} FROM {{table}});
