-- Type, translate and validate the rows of one arrests file.
-- In:  temp table stage_raw (every canonical column as VARCHAR, in file order; rowid = 0-based row),
--      temp table stage_skips (a = accepted rows before a rejected record, i = rejected records so far),
--      $source_id.
-- Out: temp table stage = the columns of table arrests + ordinal + reason ('' when the row is valid).
CREATE OR REPLACE TEMP TABLE stage AS
WITH raw AS (
    SELECT rowid AS ordinal,
           blank_null(arrest_key) AS k, blank_null(arrest_date) AS d,
           blank_null(pd_cd) AS pd_cd, blank_null(pd_desc) AS pd_desc, blank_null(ky_cd) AS ky_cd,
           blank_null(ofns_desc) AS ofns_desc, blank_null(law_code) AS law_code,
           blank_null(law_cat_cd) AS law_cat_cd, blank_null(arrest_boro) AS arrest_boro,
           blank_null(arrest_precinct) AS arrest_precinct, blank_null(jurisdiction_code) AS jurisdiction_code,
           blank_null(age_group) AS age_group, blank_null(perp_sex) AS perp_sex,
           blank_null(perp_race) AS perp_race, blank_null(x_coord_cd) AS x_coord_cd,
           blank_null(y_coord_cd) AS y_coord_cd, blank_null(latitude) AS latitude,
           blank_null(longitude) AS longitude, blank_null(geo_point) AS geo_point
    FROM stage_raw
),
typed AS (
    SELECT raw.*,
           parse_day(d) AS day,
           parse_whole(arrest_precinct) AS precinct,
           regexp_extract(upper(law_code), '^PL ?(\d{3})(\d{2})(\d{2})$', ['a', 's', 'd']) AS lc,
           coalesce(rl.race_group, 'Unknown') AS race_group,
           rb.boro_code
    FROM raw
    LEFT JOIN ref_race_labels rl ON rl.label = upper(raw.perp_race)
    LEFT JOIN ref_boroughs rb ON rb.spelling = upper(raw.arrest_boro)
),
checked AS (
    SELECT typed.*,
           concat_ws('; ',
               CASE WHEN k IS NULL THEN 'missing ARREST_KEY' END,
               CASE WHEN d IS NULL THEN 'missing ARREST_DATE'
                    WHEN day IS NULL THEN 'unparseable ARREST_DATE ''' || d || ''''
                    WHEN day < DATE '2006-01-01' OR day > current_date
                        THEN 'impossible ARREST_DATE ' || day || ' (outside 2006-01-01 to today)' END,
               CASE WHEN pd_cd IS NOT NULL AND parse_whole(pd_cd) IS NULL
                    THEN 'PD_CD is not a whole number: ''' || pd_cd || '''' END,
               CASE WHEN ky_cd IS NOT NULL AND parse_whole(ky_cd) IS NULL
                    THEN 'KY_CD is not a whole number: ''' || ky_cd || '''' END,
               CASE WHEN jurisdiction_code IS NOT NULL AND parse_whole(jurisdiction_code) IS NULL
                    THEN 'JURISDICTION_CODE is not a whole number: ''' || jurisdiction_code || '''' END,
               CASE WHEN arrest_precinct IS NOT NULL AND precinct IS NULL
                    THEN 'ARREST_PRECINCT is not a whole number: ''' || arrest_precinct || ''''
                    WHEN precinct NOT BETWEEN 1 AND 123
                    THEN 'impossible ARREST_PRECINCT ' || precinct || ' (NYPD precincts are 1 to 123)' END,
               CASE WHEN not_number(x_coord_cd) THEN 'X_COORD_CD is not a number: ''' || x_coord_cd || '''' END,
               CASE WHEN not_number(y_coord_cd) THEN 'Y_COORD_CD is not a number: ''' || y_coord_cd || '''' END,
               CASE WHEN not_number(latitude) THEN 'Latitude is not a number: ''' || latitude || ''''
                    WHEN coord(latitude) NOT BETWEEN 40.3 AND 41.1
                    THEN 'impossible Latitude ' || latitude || ' (outside New York City)' END,
               CASE WHEN not_number(longitude) THEN 'Longitude is not a number: ''' || longitude || ''''
                    WHEN coord(longitude) NOT BETWEEN -74.5 AND -73.4
                    THEN 'impossible Longitude ' || longitude || ' (outside New York City)' END
           ) AS reason
    FROM typed
)
SELECT
    k AS arrest_key,
    day AS arrest_date,
    parse_whole(pd_cd) AS pd_cd,
    pd_desc,
    parse_whole(ky_cd) AS ky_cd,
    ofns_desc,
    law_code,
    law_cat_cd,
    arrest_boro,
    precinct AS arrest_precinct,
    parse_whole(jurisdiction_code) AS jurisdiction_code,
    age_group,
    perp_sex,
    perp_race,
    coord(x_coord_cd) AS x_coord_cd,
    coord(y_coord_cd) AS y_coord_cd,
    coord(latitude) AS latitude,
    coord(longitude) AS longitude,
    geo_point,
    race_group,
    CASE WHEN age_group IN ('<18', '18-24', '25-44', '45-64', '65+') THEN age_group ELSE 'UNKNOWN' END AS age_band,
    CASE WHEN upper(perp_sex) IN ('M', 'F') THEN upper(perp_sex) ELSE 'U' END AS sex_code,
    boro_code,
    CAST(nullif(lc.a, '') AS SMALLINT) AS law_article,
    CASE WHEN lc.a <> '' THEN lc.a || '.' || lc.s END AS law_section,
    CAST(nullif(nullif(lc.d, ''), '00') AS SMALLINT) AS law_subdivision,
    coalesce(lc.a IN ('221', '222'), false) AS is_cannabis,
    CAST($source_id AS INTEGER) AS source_id,
    ordinal + 2 + coalesce(skips.i, 0) AS line,
    CAST((race_group <> 'Unknown')::INT + coalesce(age_group IN ('<18', '18-24', '25-44', '45-64', '65+'), false)::INT
         + coalesce(upper(perp_sex) IN ('M', 'F'), false)::INT + (pd_cd IS NOT NULL)::INT + (ky_cd IS NOT NULL)::INT
         + (pd_desc IS NOT NULL)::INT + (ofns_desc IS NOT NULL)::INT + (law_cat_cd IS NOT NULL)::INT
         + (boro_code IS NOT NULL)::INT + (precinct IS NOT NULL)::INT + (coord(latitude) IS NOT NULL)::INT
         AS TINYINT) AS completeness,
    ordinal,
    reason
FROM checked
ASOF LEFT JOIN stage_skips skips ON checked.ordinal >= skips.a;
