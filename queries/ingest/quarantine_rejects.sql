-- Records the CSV reader could not split into the header's columns (too many / too few fields, bad quoting).
INSERT INTO quarantine
SELECT $source_id, $dataset, line,
       string_agg(DISTINCT error_type || ': ' || error_message, '; '),
       any_value(csv_line)
FROM stage_rejects
WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.source_id = $source_id AND q.line = stage_rejects.line)
GROUP BY line;
