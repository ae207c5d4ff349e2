-- Fragment: the summons records with the derived model, computed where they are read (the view `summonses`,
-- schema/records_view.sql; the loader's ranking of copies, staging/rank.sql). In: {{rows}}, a relation
-- with the columns of summonses_raw (the stored table, or this file's staged rows).
-- Penal Law sections are read from LAW_SECTION_NUMBER ("221.05") when LAW_DESCRIPTION is Penal Law or
-- blank (the real 221.10 rows have a blank description).
SELECT r.* EXCLUDE (lc),
       coalesce(rl.race_group, 'Unknown') AS race_group,
       CASE WHEN r.age_group IN (SELECT age_band FROM ref_age_bands) THEN r.age_group ELSE 'UNKNOWN' END AS age_band,
       CASE WHEN upper(r.sex) IN ('M', 'F') THEN upper(r.sex) ELSE 'U' END AS sex_code,
       rb.boro_code,
       CAST(nullif(lc.a, '') AS SMALLINT) AS law_article,
       CASE WHEN lc.a <> '' THEN lc.a || '.' || lc.s END AS law_section,
       CAST(nullif(lc.d, '') AS SMALLINT) AS law_subdivision,
       coalesce(lc.a IN ('221', '222'), false) AS is_cannabis,
       CAST((rl.race_group IS NOT NULL AND rl.race_group <> 'Unknown')::INT
            + coalesce(r.age_group IN (SELECT age_band FROM ref_age_bands), false)::INT
            + coalesce(upper(r.sex) IN ('M', 'F'), false)::INT
            + (r.offense_description IS NOT NULL)::INT + (r.law_description IS NOT NULL)::INT
            + (r.summons_category_type IS NOT NULL)::INT + (rb.boro_code IS NOT NULL)::INT
            + (r.precinct_of_occur IS NOT NULL)::INT + (r.latitude IS NOT NULL)::INT AS TINYINT) AS completeness
FROM (SELECT *,
             CASE WHEN law_description IS NULL OR upper(law_description) LIKE 'PENAL%'
                  THEN coalesce(regexp_extract(upper(law_section_number),
                                               '^(?:PL ?)?(\d{3})\.(\d{2})(?:\s*\((\d+)\))?$', ['a', 's', 'd']),
                                {'a': '', 's': '', 'd': ''})
                  ELSE {'a': '', 's': '', 'd': ''} END AS lc
      FROM {{rows}}) r
LEFT JOIN ref_race_labels rl ON rl.label = upper(r.race)
LEFT JOIN ref_boroughs rb ON rb.spelling = upper(r.boro)
