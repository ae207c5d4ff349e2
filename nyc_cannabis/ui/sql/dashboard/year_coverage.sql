-- Days with at least one record (any offence) per calendar year of one dataset: a year is complete when its
-- records cover nearly every day (the test the rates' coverage warning applies).
-- Identifiers: {{table}}, {{date}}.
SELECT year({{date}})::INTEGER AS year, count(DISTINCT {{date}}) AS days
FROM {{table}}
GROUP BY 1
ORDER BY 1
