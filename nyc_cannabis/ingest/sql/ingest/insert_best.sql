-- This file's winning copies: keys not stored yet, and replacements for less complete stored copies.
INSERT INTO {{stored}} BY NAME
SELECT * EXCLUDE (ordinal, reason), $source_id AS source_id
FROM stage_typed
WHERE reason = ''
  AND ordinal NOT IN (SELECT ordinal FROM stage_losers)
  AND ordinal NOT IN (SELECT ordinal FROM stage_collisions
                      WHERE record_key NOT IN (SELECT record_key FROM stage_pairs WHERE replaces));
