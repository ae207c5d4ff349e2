-- Cannabis records of one dataset matching the record explorer's filters, newest first, at most $limit rows.
-- In: $start, $end (dates, inclusive); $group, $section, $precinct (NULL = any); $limit.
-- Identifiers: {{table}}, {{key}}, {{date}}, {{code}}, {{description}}, {{precinct}} from the allow-list in ui.
SELECT {{key}} AS record_key, {{date}} AS event_date, {{code}} AS code, {{description}} AS description,
       law_section, law_subdivision, race_group, age_band, sex_code, boro_code,
       {{precinct}} AS precinct
FROM {{table}}
WHERE is_cannabis AND {{date}} BETWEEN $start AND $end
  AND ($group IS NULL OR race_group = $group)
  AND ($section IS NULL OR law_section = $section)
  AND ($precinct IS NULL OR {{precinct}} = $precinct)
ORDER BY {{date}} DESC, {{key}}
LIMIT $limit;
