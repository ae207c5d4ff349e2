-- Fragment: the arrest records with the derived model, computed where they are read (the view `arrests`,
-- schema/arrests_view.sql; the loader's ranking of copies, staging/arrests.sql). In: {{rows}}, a relation
-- with the columns of arrests_raw (the stored table, or this file's staged rows).
-- The Penal Law article, section and subdivision come from LAW_CODE ("PL 2211000" → 221, 221.10, 10); the
-- completeness counts the informative fields a copy has, to choose between disagreeing copies of a key.
WITH coded AS (
    SELECT *, perp_race AS race_label, perp_sex AS sex_label, arrest_boro AS boro_label,
           coalesce(regexp_extract(upper(law_code), '^PL ?(\d{3})(\d{2})(\d{2})$', ['a', 's', 'd']),
                    {'a': '', 's': '', 'd': ''}) AS lc
    FROM {{rows}}
),
derived AS (
    {{> records/derived}}
)
SELECT *,
       CAST((race_group <> 'Unknown')::INT + (age_band <> 'UNKNOWN')::INT + (sex_code <> 'U')::INT
            + (pd_cd IS NOT NULL)::INT + (ky_cd IS NOT NULL)::INT + (pd_desc IS NOT NULL)::INT
            + (ofns_desc IS NOT NULL)::INT + (law_cat_cd IS NOT NULL)::INT + (boro_code IS NOT NULL)::INT
            + (arrest_precinct IS NOT NULL)::INT + (latitude IS NOT NULL)::INT AS TINYINT) AS completeness
FROM derived
