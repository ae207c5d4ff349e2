-- The file's accounting: rows read (split and unsplittable), rejected, valid, and its date range.
SELECT (SELECT count(*) FROM stage_check) + (SELECT count(DISTINCT line) FROM stage_rejects) AS rows_read,
       (SELECT count(*) FROM stage_check WHERE reason <> '') AS rows_invalid,
       (SELECT count(DISTINCT line) FROM stage_rejects) AS rows_unreadable,
       (SELECT count(*) FROM stage_check WHERE reason = '') AS rows_valid,
       (SELECT min(day) FROM stage_check WHERE reason = '') AS first_date,
       (SELECT max(day) FROM stage_check WHERE reason = '') AS last_date;
