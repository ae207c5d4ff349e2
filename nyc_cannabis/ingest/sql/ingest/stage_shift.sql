-- A stage row's record number is its position plus the rejected records before it: for each row that
-- follows a rejected record, how many rejected records precede it (computed once, hash-joined by the view).
CREATE TEMP TABLE stage_shift AS
WITH rejected AS (SELECT DISTINCT line FROM stage_rejects),
steps AS (SELECT line - 2 - (row_number() OVER (ORDER BY line) - 1) AS first_ordinal,
                 row_number() OVER (ORDER BY line) AS records
          FROM rejected)
SELECT s.rowid AS ordinal, k.records
FROM stage s
ASOF JOIN (SELECT first_ordinal, max(records) AS records FROM steps GROUP BY ALL) k
     ON s.rowid >= k.first_ordinal;
