-- This file's winning copies whose key is already stored.
CREATE OR REPLACE TEMP TABLE stage_collisions AS
SELECT c.record_key, c.ordinal, c.line, c.completeness,
       t.source_id AS old_source_id, t.line AS old_line, t.completeness AS old_completeness
FROM stage_check c
JOIN {{table}} t ON t.{{key}} = c.record_key
WHERE c.reason = '' AND c.ordinal NOT IN (SELECT ordinal FROM stage_losers);
