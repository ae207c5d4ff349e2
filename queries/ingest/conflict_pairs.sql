-- Every pair of disagreeing copies this file brings: copies of a key inside the file that lost to the
-- file's best copy, and best copies whose key is already stored with other values. The kept copy is the
-- more complete one; on a tie the copy loaded first stays. Identical copies are plain duplicates.
CREATE OR REPLACE TEMP TABLE stage_pairs AS
WITH content_cols AS (
    SELECT {{key}}, line, completeness, source_id,
           hash(*COLUMNS(lambda c: c NOT IN ('source_id', 'line', 'completeness', 'ordinal', 'reason'))) AS content
    FROM stage
    WHERE reason = '' AND {{key}} IN (SELECT {{key}} FROM stage WHERE reason = '' GROUP BY ALL HAVING count(*) > 1)
),
in_file AS (
    SELECT b.{{key}} AS record_key,
           b.source_id AS kept_source_id, b.line AS kept_line,
           o.source_id AS other_source_id, o.line AS other_line,
           'more complete copy in the same file' AS resolution,
           false AS replaces
    FROM content_cols o
    JOIN stage_best sb ON sb.{{key}} = o.{{key}} AND sb.line <> o.line
    JOIN content_cols b ON b.{{key}} = sb.{{key}} AND b.line = sb.line
    WHERE o.content <> b.content
),
new_side AS (
    SELECT {{key}}, line, completeness, source_id,
           hash(*COLUMNS(lambda c: c NOT IN ('source_id', 'line', 'completeness', 'ordinal', 'reason'))) AS content
    FROM stage_best
    WHERE {{key}} IN (SELECT {{key}} FROM {{table}})
),
old_side AS (
    SELECT {{key}}, line, completeness, source_id,
           hash(*COLUMNS(lambda c: c NOT IN ('source_id', 'line', 'completeness'))) AS content
    FROM {{table}}
    WHERE {{key}} IN (SELECT {{key}} FROM stage_best)
),
across AS (
    SELECT n.{{key}} AS record_key,
           CASE WHEN n.completeness > o.completeness THEN n.source_id ELSE o.source_id END AS kept_source_id,
           CASE WHEN n.completeness > o.completeness THEN n.line ELSE o.line END AS kept_line,
           CASE WHEN n.completeness > o.completeness THEN o.source_id ELSE n.source_id END AS other_source_id,
           CASE WHEN n.completeness > o.completeness THEN o.line ELSE n.line END AS other_line,
           CASE WHEN n.completeness > o.completeness THEN 'more complete copy in a later file'
                ELSE 'stored copy at least as complete' END AS resolution,
           n.completeness > o.completeness AS replaces
    FROM new_side n JOIN old_side o USING ({{key}})
    WHERE n.content <> o.content
)
SELECT * FROM in_file
UNION ALL
SELECT * FROM across;
