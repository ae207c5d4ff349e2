-- Rows that failed typing or validation go to quarantine with the raw fields as JSON (once per file and line).
INSERT INTO quarantine
SELECT s.source_id, $dataset, s.line, s.reason, to_json(r)
FROM stage s
JOIN stage_raw r ON r.rowid = s.ordinal
WHERE s.reason <> ''
  AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.source_id = s.source_id AND q.line = s.line);
