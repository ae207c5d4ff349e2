-- First and last date of the cannabis records of one dataset within [$start, $end] (limited to $sections when
-- non-empty): the period a rate is annualised over when the user gives no dates. From the cells, which keep
-- each cell's first and last record date (nyc_cannabis/ingest/sql/cells/period.sql).
WITH {{> cells/period}}
SELECT min(first_date) AS first_date, max(last_date) AS last_date, coalesce(sum(n), 0)::BIGINT AS records
FROM cannabis;
