-- First and last date of the cannabis records of one dataset within [$start, $end] (limited to $sections when
-- non-empty): the period a rate is annualised over when the user gives no dates.
SELECT min({{date}}) AS first_date, max({{date}}) AS last_date, count(*) AS records
FROM {{table}}
WHERE is_cannabis AND {{date}} BETWEEN $start AND $end
  AND (len($sections) = 0 OR list_contains($sections, law_section));
