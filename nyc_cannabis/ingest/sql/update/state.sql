-- Where an update starts: per dataset, the records held and their first and last date (the download starts
-- again from the last date, inclusive), and whether the database holds synthetic demo data.
SELECT 'arrests' AS dataset, count(*) AS records, min(arrest_date) AS first_date, max(arrest_date) AS last_date,
       (SELECT coalesce(bool_or(synthetic), false) FROM sources) AS synthetic
FROM arrests
UNION ALL
SELECT 'summonses', count(*), min(summons_date), max(summons_date),
       (SELECT coalesce(bool_or(synthetic), false) FROM sources)
FROM summonses;
