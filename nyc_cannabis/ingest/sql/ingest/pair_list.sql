-- The disagreeing pairs with both copies as JSON, for the loader to name the differing fields.
-- Runs before delete_replaced, so a stored copy is still there to read.
WITH new_json AS (
    SELECT ordinal, to_json(struct_pack(*COLUMNS(lambda c: c NOT IN ('line', 'completeness', 'ordinal', 'reason')))) AS j
    FROM stage_typed
    WHERE ordinal IN (SELECT kept_ordinal FROM stage_pairs UNION SELECT other_ordinal FROM stage_pairs)
),
old_json AS (
    SELECT {{key}} AS record_key,
           to_json(struct_pack(*COLUMNS(lambda c: c NOT IN ('source_id', 'line', 'completeness')))) AS j
    FROM {{stored}}
    WHERE {{key}} IN (SELECT record_key FROM stage_pairs WHERE kept_ordinal IS NULL OR other_ordinal IS NULL)
)
SELECT p.record_key, p.kept_source_id, p.kept_line, p.other_source_id, p.other_line, p.resolution,
       coalesce(nk.j, ok.j) AS kept_json, coalesce(no.j, oo.j) AS other_json
FROM stage_pairs p
LEFT JOIN new_json nk ON nk.ordinal = p.kept_ordinal
LEFT JOIN old_json ok ON p.kept_ordinal IS NULL AND ok.record_key = p.record_key
LEFT JOIN new_json no ON no.ordinal = p.other_ordinal
LEFT JOIN old_json oo ON p.other_ordinal IS NULL AND oo.record_key = p.record_key
ORDER BY p.record_key, p.other_line;
