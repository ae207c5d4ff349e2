-- Records the CSV reader could not split into the header's columns or type (too many / too few fields,
-- bad quoting, a date or number it cannot read), once per file and line, with the raw text of the line.
WITH messages AS (
    SELECT line, csv_line,
           CASE WHEN error_type = 'CAST'
                THEN 'unparseable ' || upper(column_name) || ' '''
                     || regexp_extract(error_message, 'Could not convert string "(.*)" to', 1) || ''''
                     || CASE WHEN error_message LIKE '%''DATE''%' THEN ' (expected date ' || $date_format || ')'
                             ELSE ' (expected a number)' END
                ELSE error_type || ': ' || error_message END AS message
    FROM stage_rejects
    WHERE line NOT IN (SELECT line FROM quarantine WHERE source_id = $source_id)
)
INSERT INTO quarantine
SELECT $source_id, $dataset, line, string_agg(DISTINCT message, '; ' ORDER BY message), any_value(csv_line)
FROM messages
GROUP BY line;
