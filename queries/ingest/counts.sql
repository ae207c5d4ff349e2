-- The file's accounting: rows read (split and unsplittable), rejected, valid, and its date range.
SELECT (SELECT count(*) FROM stage_check) + (SELECT count(DISTINCT line) FROM stage_rejects) AS rows_read,
       (SELECT count(*) FROM stage_check WHERE reason <> '')
           + (SELECT count(DISTINCT line) FROM stage_rejects) AS rows_rejected,
       (SELECT count(*) FROM stage_check WHERE reason = '') AS rows_valid,
       (SELECT min({{date}}) FROM stage_typed WHERE reason = '') AS first_date,
       (SELECT max({{date}}) FROM stage_typed WHERE reason = '') AS last_date;
