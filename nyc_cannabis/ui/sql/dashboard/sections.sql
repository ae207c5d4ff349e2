-- The cannabis law sections and precincts present in one dataset (filter choices of the record explorer).
-- Identifiers: {{table}}, {{precinct}} from nyc_cannabis.core.datasets / ui (allow-list), never from a user.
SELECT 'section' AS kind, law_section AS value, count(*) AS records
FROM {{table}} WHERE is_cannabis AND law_section IS NOT NULL GROUP BY ALL
UNION ALL
SELECT 'precinct', CAST({{precinct}} AS VARCHAR), count(*)
FROM {{table}} WHERE is_cannabis AND {{precinct}} IS NOT NULL GROUP BY ALL
ORDER BY kind, value;
