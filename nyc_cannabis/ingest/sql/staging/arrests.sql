-- Translate and validate the rows of one arrests file.
-- In:  temp table stage (the file as DuckDB's CSV reader typed it: ARREST_DATE as DATE, numbers as DOUBLE,
--      labels as text; rowid = 0-based position among the records the reader could split and type),
--      temp table stage_shift (ordinal → rejected records before it; only rows that follow a rejected record).
-- Out: temp view stage_typed = the columns of table arrests (less source_id) + ordinal + reason
--      ('' when the row is valid). A view, so the typing costs nothing until a statement reads it.
CREATE OR REPLACE TEMP VIEW stage_typed AS
WITH typed AS (
    SELECT s.rowid AS ordinal,
           arrest_key, arrest_date,
           pd_desc, ofns_desc,
           law_code, law_cat_cd,
           arrest_boro, age_group,
           perp_sex, perp_race,
           geo_point,
           pd_cd AS pd_cd_n, ky_cd AS ky_cd_n, arrest_precinct AS precinct_n, jurisdiction_code AS jurisdiction_n,
           nullif(x_coord_cd, 0) AS x_coord_cd, nullif(y_coord_cd, 0) AS y_coord_cd,
           nullif(latitude, 0) AS latitude, nullif(longitude, 0) AS longitude
    FROM stage s
),
codes AS (  -- each distinct law code is parsed once (a file holds a few hundred, not a row's worth)
    SELECT law_code, regexp_extract(upper(law_code), '^PL ?(\d{3})(\d{2})(\d{2})$', ['a', 's', 'd']) AS lc
    FROM (SELECT DISTINCT law_code FROM stage)
),
derived AS (
    SELECT typed.*,
           coalesce(codes.lc, {'a': '', 's': '', 'd': ''}) AS lc,
           coalesce(rl.race_group, 'Unknown') AS race_group,
           rb.boro_code,
           coalesce(age_group IN (SELECT age_band FROM ref_age_bands), false) AS age_known,
           coalesce(upper(perp_sex) IN ('M', 'F'), false) AS sex_known
    FROM typed
    LEFT JOIN codes ON codes.law_code = typed.law_code
    LEFT JOIN ref_race_labels rl ON rl.label = upper(typed.perp_race)
    LEFT JOIN ref_boroughs rb ON rb.spelling = upper(typed.arrest_boro)
)
SELECT
    arrest_key,
    arrest_date,
    whole(pd_cd_n) AS pd_cd,
    pd_desc,
    whole(ky_cd_n) AS ky_cd,
    ofns_desc,
    law_code,
    law_cat_cd,
    arrest_boro,
    whole(precinct_n) AS arrest_precinct,
    whole(jurisdiction_n) AS jurisdiction_code,
    age_group,
    perp_sex,
    perp_race,
    x_coord_cd,
    y_coord_cd,
    latitude,
    longitude,
    geo_point,
    race_group,
    CASE WHEN age_known THEN age_group ELSE 'UNKNOWN' END AS age_band,
    CASE WHEN sex_known THEN upper(perp_sex) ELSE 'U' END AS sex_code,
    boro_code,
    CAST(nullif(lc.a, '') AS SMALLINT) AS law_article,
    CASE WHEN lc.a <> '' THEN lc.a || '.' || lc.s END AS law_section,
    CAST(nullif(nullif(lc.d, ''), '00') AS SMALLINT) AS law_subdivision,
    coalesce(lc.a IN ('221', '222'), false) AS is_cannabis,
    ordinal + 2 + coalesce(shift.records, 0) AS line,
    CAST((race_group <> 'Unknown')::INT + age_known::INT + sex_known::INT + (pd_cd_n IS NOT NULL)::INT
         + (ky_cd_n IS NOT NULL)::INT + (pd_desc IS NOT NULL)::INT + (ofns_desc IS NOT NULL)::INT
         + (law_cat_cd IS NOT NULL)::INT + (boro_code IS NOT NULL)::INT + (precinct_n IS NOT NULL)::INT
         + (latitude IS NOT NULL)::INT AS TINYINT) AS completeness,
    ordinal,
    concat_ws('; ',
        bad_key('ARREST_KEY', arrest_key),
        bad_day('ARREST_DATE', arrest_date),
        not_whole('PD_CD', pd_cd_n),
        not_whole('KY_CD', ky_cd_n),
        not_whole('JURISDICTION_CODE', jurisdiction_n),
        bad_precinct('ARREST_PRECINCT', precinct_n),
        bad_latitude(latitude),
        bad_longitude(longitude)
    ) AS reason
FROM derived
LEFT JOIN stage_shift shift USING (ordinal);
