-- Date range of the cannabis records of each dataset, and the last date before the 2019 law took effect,
-- from the cells (a cell never spans two law periods). One row per dataset (records = 0 when empty).
SELECT 'arrests' AS dataset, coalesce(sum(n), 0)::BIGINT AS records, min(first_date) AS first_date,
       max(last_date) AS last_date, max(last_date) FILTER (WHERE charged_regime = 'old-1977') AS last_before_reform
FROM {{arrests_cells}}
UNION ALL
SELECT 'summonses', coalesce(sum(n), 0)::BIGINT, min(first_date), max(last_date),
       max(last_date) FILTER (WHERE charged_regime = 'old-1977')
FROM {{summonses_cells}};
