-- How many cannabis records match the record explorer's filters (same filters as records.sql, no limit).
SELECT count(*) AS records
FROM {{table}}
WHERE is_cannabis AND {{date}} BETWEEN $start AND $end
  AND ($group IS NULL OR race_group = $group)
  AND ($section IS NULL OR law_section = $section)
  AND ($precinct IS NULL OR {{precinct}} = $precinct);
