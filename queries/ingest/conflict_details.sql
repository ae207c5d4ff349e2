-- Both copies of each disagreeing pair, as JSON, so the loader can name the fields that differ.
-- Reads the stored copy before store_best replaces it.
WITH copies AS (
    SELECT {{key}} AS record_key, source_id, line,
           to_json(struct_pack(*COLUMNS(lambda c: c NOT IN ('source_id', 'line', 'completeness', 'ordinal', 'reason')))) AS j
    FROM stage WHERE {{key}} IN (SELECT record_key FROM stage_pairs)
    UNION ALL
    SELECT {{key}}, source_id, line,
           to_json(struct_pack(*COLUMNS(lambda c: c NOT IN ('source_id', 'line', 'completeness')))) AS j
    FROM {{table}} WHERE {{key}} IN (SELECT record_key FROM stage_pairs)
)
SELECT p.*, k.j AS kept_json, o.j AS other_json
FROM stage_pairs p
JOIN copies k ON k.record_key = p.record_key AND k.source_id = p.kept_source_id AND k.line = p.kept_line
JOIN copies o ON o.record_key = p.record_key AND o.source_id = p.other_source_id AND o.line = p.other_line
ORDER BY p.record_key, p.other_line;
