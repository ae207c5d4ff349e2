-- Fast path accounting: the rows read, the rows the reader could not split or type, the valid rows
-- (all of them inserted) and the date range of what was inserted.
SELECT (SELECT count(*) FROM stage) + (SELECT count(DISTINCT line) FROM stage_rejects) AS rows_read,
       (SELECT count(*) FROM stage) - $rows_valid AS rows_invalid,
       (SELECT count(DISTINCT line) FROM stage_rejects) AS rows_unreadable,
       $rows_valid AS rows_valid,
       min({{date}}) AS first_date, max({{date}}) AS last_date
FROM {{table}}
WHERE source_id = $source_id;
