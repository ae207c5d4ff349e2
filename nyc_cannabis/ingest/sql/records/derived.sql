-- Fragment: the derived model both datasets share, over `coded` (a CTE of the including file): the record's
-- columns plus its labels under common names (race_label, sex_label, boro_label) and `lc`, its Penal Law
-- code parsed into article, section and subdivision (struct a, s, d; '' when it is not a Penal Law code).
-- The race group and borough come from the reference tables (filled from nyc_cannabis/core/datasets.py).
SELECT r.* EXCLUDE (lc, race_label, sex_label, boro_label),
       coalesce(rl.race_group, 'Unknown') AS race_group,
       CASE WHEN r.age_group IN (SELECT age_band FROM ref_age_bands) THEN r.age_group ELSE 'UNKNOWN' END AS age_band,
       CASE WHEN upper(r.sex_label) IN ('M', 'F') THEN upper(r.sex_label) ELSE 'U' END AS sex_code,
       rb.boro_code,
       CAST(nullif(lc.a, '') AS SMALLINT) AS law_article,
       CASE WHEN lc.a <> '' THEN lc.a || '.' || lc.s END AS law_section,
       CAST(nullif(nullif(lc.d, ''), '00') AS SMALLINT) AS law_subdivision,
       coalesce(lc.a IN ('221', '222'), false) AS is_cannabis
FROM coded r
LEFT JOIN ref_race_labels rl ON rl.label = upper(r.race_label)
LEFT JOIN ref_boroughs rb ON rb.spelling = upper(r.boro_label)
