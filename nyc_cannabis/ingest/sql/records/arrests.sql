-- Fragment: the arrest records with the derived model, computed where they are read (the view `arrests`,
-- schema/records_view.sql; the loader's ranking of copies, staging/rank.sql). In: {{rows}}, a relation
-- with the columns of arrests_raw (the stored table, or this file's staged rows).
-- The race group and borough come from the reference tables (filled from nyc_cannabis/core/datasets.py);
-- the Penal Law article, section and subdivision from LAW_CODE ("PL 2211000" → 221, 221.10, 10).
SELECT r.* EXCLUDE (lc),
       coalesce(rl.race_group, 'Unknown') AS race_group,
       CASE WHEN r.age_group IN (SELECT age_band FROM ref_age_bands) THEN r.age_group ELSE 'UNKNOWN' END AS age_band,
       CASE WHEN upper(r.perp_sex) IN ('M', 'F') THEN upper(r.perp_sex) ELSE 'U' END AS sex_code,
       rb.boro_code,
       CAST(nullif(lc.a, '') AS SMALLINT) AS law_article,
       CASE WHEN lc.a <> '' THEN lc.a || '.' || lc.s END AS law_section,
       CAST(nullif(nullif(lc.d, ''), '00') AS SMALLINT) AS law_subdivision,
       coalesce(lc.a IN ('221', '222'), false) AS is_cannabis,
       CAST((rl.race_group IS NOT NULL AND rl.race_group <> 'Unknown')::INT
            + coalesce(r.age_group IN (SELECT age_band FROM ref_age_bands), false)::INT
            + coalesce(upper(r.perp_sex) IN ('M', 'F'), false)::INT + (r.pd_cd IS NOT NULL)::INT
            + (r.ky_cd IS NOT NULL)::INT + (r.pd_desc IS NOT NULL)::INT + (r.ofns_desc IS NOT NULL)::INT
            + (r.law_cat_cd IS NOT NULL)::INT + (rb.boro_code IS NOT NULL)::INT
            + (r.arrest_precinct IS NOT NULL)::INT + (r.latitude IS NOT NULL)::INT AS TINYINT) AS completeness
FROM (SELECT *, coalesce(regexp_extract(upper(law_code), '^PL ?(\d{3})(\d{2})(\d{2})$', ['a', 's', 'd']),
                         {'a': '', 's': '', 'd': ''}) AS lc
      FROM {{rows}}) r
LEFT JOIN ref_race_labels rl ON rl.label = upper(r.perp_race)
LEFT JOIN ref_boroughs rb ON rb.spelling = upper(r.arrest_boro)
