-- Monthly counts of cannabis records by group for one dataset (limited to $sections when non-empty).
SELECT date_trunc('month', {{date}})::DATE AS month, race_group AS "group", count(*) AS count
FROM {{table}}
WHERE is_cannabis AND {{date}} BETWEEN $start AND $end
  AND (len($sections) = 0 OR list_contains($sections, law_section))
GROUP BY ALL
ORDER BY month, "group";
