-- Date range of the cannabis records of each dataset, and the last date before the 2019 law took effect.
-- In: $reform_from (2019-08-28). One row per dataset (records = 0 when the dataset is empty).
SELECT 'arrests' AS dataset, count(*) AS records, min(arrest_date) AS first_date, max(arrest_date) AS last_date,
       max(arrest_date) FILTER (WHERE arrest_date < $reform_from) AS last_before_reform
FROM arrests WHERE is_cannabis
UNION ALL
SELECT 'summonses', count(*), min(summons_date), max(summons_date),
       max(summons_date) FILTER (WHERE summons_date < $reform_from)
FROM summonses WHERE is_cannabis;
