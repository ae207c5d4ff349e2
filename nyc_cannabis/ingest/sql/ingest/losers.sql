-- Copies of a key that lose to another copy in the same file: the most complete copy wins, then the
-- earliest line. Only keys that occur more than once among the valid rows are ranked.
CREATE OR REPLACE TEMP TABLE stage_losers AS
WITH dup AS (
    SELECT * FROM stage_check
    WHERE reason = ''
      AND record_key IN (SELECT record_key FROM stage_check WHERE reason = '' GROUP BY ALL HAVING count(*) > 1)
),
ranked AS (
    SELECT *,
           row_number() OVER w AS rank,
           first_value(ordinal) OVER w AS kept_ordinal,
           first_value(line) OVER w AS kept_line,
           first_value(completeness) OVER w AS kept_completeness
    FROM dup
    WINDOW w AS (PARTITION BY record_key ORDER BY completeness DESC, ordinal)
)
SELECT record_key, ordinal, line, completeness, kept_ordinal, kept_line, kept_completeness
FROM ranked WHERE rank > 1;
