-- Monthly counts of cannabis records by group for one dataset within [$start, $end] (limited to $sections
-- when non-empty), from the cells (nyc_cannabis/ingest/sql/cells/period.sql).
WITH {{> cells/period}}
SELECT month, race_group AS "group", sum(n)::BIGINT AS count
FROM cannabis
GROUP BY ALL
ORDER BY month, "group";
