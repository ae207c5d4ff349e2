-- Translate and validate the rows of one summonses file.
-- In:  temp table stage (the file as DuckDB's CSV reader typed it: SUMMONS_DATE as DATE, numbers as DOUBLE,
--      labels as text; rowid = 0-based position among the records the reader could split and type),
--      temp table stage_shift (ordinal → rejected records before it; only rows that follow a rejected record).
-- Out: temp view stage_typed = the columns of table summonses (less source_id) + ordinal + reason.
-- Penal Law sections are read from LAW_SECTION_NUMBER ("221.05") when LAW_DESCRIPTION is Penal Law or
-- blank (the real 221.10 rows have a blank description).
CREATE OR REPLACE TEMP VIEW stage_typed AS
WITH typed AS (
    SELECT s.rowid AS ordinal,
           summons_key, summons_date,
           offense_description,
           law_section_number,
           law_description,
           summons_category_type,
           age_group, sex, race,
           boro, geo_point,
           jurisdiction_code AS jurisdiction_n, precinct_of_occur AS precinct_n,
           nullif(x_coordinate_cd, 0) AS x_coordinate_cd, nullif(y_coordinate_cd, 0) AS y_coordinate_cd,
           nullif(latitude, 0) AS latitude, nullif(longitude, 0) AS longitude
    FROM stage s
),
codes AS (  -- each distinct section is parsed once (a file holds a few hundred, not a row's worth)
    SELECT law_section_number,
           regexp_extract(upper(law_section_number), '^(?:PL ?)?(\d{3})\.(\d{2})(?:\s*\((\d+)\))?$',
                          ['a', 's', 'd']) AS lc
    FROM (SELECT DISTINCT law_section_number FROM stage)
),
derived AS (
    SELECT typed.*,
           CASE WHEN law_description IS NULL OR upper(law_description) LIKE 'PENAL%'
                THEN coalesce(codes.lc, {'a': '', 's': '', 'd': ''})
                ELSE {'a': '', 's': '', 'd': ''} END AS lc,
           coalesce(rl.race_group, 'Unknown') AS race_group,
           rb.boro_code,
           coalesce(age_group IN (SELECT age_band FROM ref_age_bands), false) AS age_known,
           coalesce(upper(sex) IN ('M', 'F'), false) AS sex_known
    FROM typed
    LEFT JOIN codes ON codes.law_section_number = typed.law_section_number
    LEFT JOIN ref_race_labels rl ON rl.label = upper(typed.race)
    LEFT JOIN ref_boroughs rb ON rb.spelling = upper(typed.boro)
)
SELECT
    summons_key,
    summons_date,
    offense_description,
    law_section_number,
    law_description,
    summons_category_type,
    age_group,
    sex,
    race,
    whole(jurisdiction_n) AS jurisdiction_code,
    boro,
    whole(precinct_n) AS precinct_of_occur,
    x_coordinate_cd,
    y_coordinate_cd,
    latitude,
    longitude,
    geo_point,
    race_group,
    CASE WHEN age_known THEN age_group ELSE 'UNKNOWN' END AS age_band,
    CASE WHEN sex_known THEN upper(sex) ELSE 'U' END AS sex_code,
    boro_code,
    CAST(nullif(lc.a, '') AS SMALLINT) AS law_article,
    CASE WHEN lc.a <> '' THEN lc.a || '.' || lc.s END AS law_section,
    CAST(nullif(lc.d, '') AS SMALLINT) AS law_subdivision,
    coalesce(lc.a IN ('221', '222'), false) AS is_cannabis,
    ordinal + 2 + coalesce(shift.records, 0) AS line,
    CAST((race_group <> 'Unknown')::INT + age_known::INT + sex_known::INT
         + (offense_description IS NOT NULL)::INT + (law_description IS NOT NULL)::INT
         + (summons_category_type IS NOT NULL)::INT + (boro_code IS NOT NULL)::INT
         + (precinct_n IS NOT NULL)::INT + (latitude IS NOT NULL)::INT AS TINYINT) AS completeness,
    ordinal,
    concat_ws('; ',
        bad_key('SUMMONS_KEY', summons_key),
        bad_day('SUMMONS_DATE', summons_date),
        not_whole('JURISDICTION_CODE', jurisdiction_n),
        bad_precinct('PRECINCT_OF_OCCUR', precinct_n),
        bad_latitude(latitude),
        bad_longitude(longitude)
    ) AS reason
FROM derived
LEFT JOIN stage_shift shift USING (ordinal);
