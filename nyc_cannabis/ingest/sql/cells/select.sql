-- The cells of one dataset's cannabis records (all of them, or those of one file: $source_id).
-- In: $reform_from, $mrta_from (the 2019 law's and the MRTA's effective dates), $source_id (NULL: all).
SELECT date_trunc('month', {{date}})::DATE AS month,
       {{> cells/law_period}} AS charged_regime,
       law_section, law_subdivision, age_band, race_group, sex_code, boro_code, {{precinct}} AS precinct,
       min({{date}}) AS first_date, max({{date}}) AS last_date, count(*) AS n
FROM {{table}}
WHERE is_cannabis AND ($source_id IS NULL OR source_id = $source_id)
GROUP BY ALL
