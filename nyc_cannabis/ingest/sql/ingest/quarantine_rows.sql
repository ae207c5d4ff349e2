-- Rows that failed validation go to quarantine, with their fields as JSON (once per file and line).
INSERT INTO quarantine
SELECT $source_id, $dataset, line, reason,
       to_json(struct_pack(*COLUMNS(lambda c: c NOT IN ('line', 'completeness', 'ordinal', 'reason'))))
FROM stage_typed
WHERE reason <> ''
  AND line NOT IN (SELECT line FROM quarantine WHERE source_id = $source_id);
