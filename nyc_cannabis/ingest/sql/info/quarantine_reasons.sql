-- Quarantined rows by file and reason (the first reason of a row with several).
SELECT s.file_name, q.dataset, split_part(q.reason, '; ', 1) AS reason, count(*) AS rows, min(q.line) AS first_line
FROM quarantine q JOIN sources s USING (source_id)
GROUP BY ALL
ORDER BY rows DESC, s.file_name;
