-- Fragment: the summons records with the derived model, computed where they are read (the view `summonses`,
-- schema/summonses_view.sql; the loader's ranking of copies, staging/summonses.sql). In: {{rows}}, a relation
-- with the columns of summonses_raw (the stored table, or this file's staged rows).
-- Penal Law sections are read from LAW_SECTION_NUMBER ("221.05") when LAW_DESCRIPTION is Penal Law or
-- blank (the real 221.10 rows have a blank description); the completeness counts the informative fields a
-- copy has, to choose between disagreeing copies of a key.
WITH coded AS (
    SELECT *, race AS race_label, sex AS sex_label, boro AS boro_label,
           CASE WHEN law_description IS NULL OR upper(law_description) LIKE 'PENAL%'
                THEN coalesce(regexp_extract(upper(law_section_number),
                                             '^(?:PL ?)?(\d{3})\.(\d{2})(?:\s*\((\d+)\))?$', ['a', 's', 'd']),
                              {'a': '', 's': '', 'd': ''})
                ELSE {'a': '', 's': '', 'd': ''} END AS lc
    FROM {{rows}}
),
derived AS (
    {{> records/derived}}
)
SELECT *,
       CAST((race_group <> 'Unknown')::INT + (age_band <> 'UNKNOWN')::INT + (sex_code <> 'U')::INT
            + (offense_description IS NOT NULL)::INT + (law_description IS NOT NULL)::INT
            + (summons_category_type IS NOT NULL)::INT + (boro_code IS NOT NULL)::INT
            + (precinct_of_occur IS NOT NULL)::INT + (latitude IS NOT NULL)::INT AS TINYINT) AS completeness
FROM derived
