-- Pairs of copies of one key that disagree (identical copies are plain duplicates). The kept copy is the
-- more complete one; on a tie, the copy that came first (earlier line, or the one already stored) stays.
-- kept_ordinal / other_ordinal point into this file's staging rows; NULL means the stored copy.
CREATE OR REPLACE TEMP TABLE stage_pairs AS
WITH involved AS (
    SELECT ordinal FROM stage_losers UNION SELECT kept_ordinal FROM stage_losers
    UNION SELECT ordinal FROM stage_collisions
),
new_rows AS (
    SELECT ordinal, hash(*COLUMNS(lambda c: c NOT IN ('line', 'completeness', 'ordinal', 'reason'))) AS content
    FROM stage_typed SEMI JOIN involved USING (ordinal)
),
old_rows AS (
    SELECT {{key}} AS record_key, hash(*COLUMNS(lambda c: c NOT IN ('source_id', 'line', 'completeness'))) AS content
    FROM {{stored}}
    WHERE {{key}} IN (SELECT record_key FROM stage_collisions)
)
SELECT l.record_key,
       $source_id AS kept_source_id, l.kept_line, l.kept_ordinal,
       $source_id AS other_source_id, l.line AS other_line, l.ordinal AS other_ordinal,
       CASE WHEN l.kept_completeness > l.completeness THEN 'more complete copy in the same file'
            ELSE 'equally complete: kept the first copy in the file' END AS resolution,
       false AS replaces
FROM stage_losers l
JOIN new_rows o ON o.ordinal = l.ordinal
JOIN new_rows k ON k.ordinal = l.kept_ordinal
WHERE o.content <> k.content
UNION ALL
SELECT c.record_key,
       CASE WHEN better THEN $source_id ELSE c.old_source_id END,
       CASE WHEN better THEN c.line ELSE c.old_line END,
       CASE WHEN better THEN c.ordinal END,
       CASE WHEN better THEN c.old_source_id ELSE $source_id END,
       CASE WHEN better THEN c.old_line ELSE c.line END,
       CASE WHEN better THEN NULL ELSE c.ordinal END,
       CASE WHEN better THEN 'more complete copy in a later file' ELSE 'stored copy at least as complete' END,
       better
FROM (SELECT *, completeness > old_completeness AS better FROM stage_collisions) c
JOIN new_rows n ON n.ordinal = c.ordinal
JOIN old_rows o ON o.record_key = c.record_key
WHERE n.content <> o.content;
