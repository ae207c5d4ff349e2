-- How many days of [$first, $last] have at least one record of any offence in the dataset: extracts
-- with gaps (a month, a quarter) must not be annualised as if they covered the whole period.
SELECT count(DISTINCT {{date}}) AS days_with_records
FROM {{table}}
WHERE {{date}} BETWEEN $first AND $last;
