-- Fast path accounting (fast_check.sql passed: no invalid row): the rows read are the valid rows, all of
-- them inserted, plus the records the reader could not split or type; and the date range of what was inserted.
SELECT $rows_valid + (SELECT count(DISTINCT line) FROM stage_rejects) AS rows_read,
       0 AS rows_invalid,
       (SELECT count(DISTINCT line) FROM stage_rejects) AS rows_unreadable,
       $rows_valid AS rows_valid,
       min({{date}}) AS first_date, max({{date}}) AS last_date
FROM {{stored}}
WHERE source_id = $source_id;
