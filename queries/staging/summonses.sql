-- Type, translate and validate the rows of one summonses file.
-- In:  temp table stage_raw (every canonical column as VARCHAR, in file order; rowid = 0-based row),
--      temp table stage_skips (a = accepted rows before a rejected record, i = rejected records so far),
--      $source_id.
-- Out: temp table stage = the columns of table summonses + ordinal + reason ('' when the row is valid).
-- Penal Law sections are read from LAW_SECTION_NUMBER ("221.05") when LAW_DESCRIPTION is Penal Law or
-- blank (the real 221.10 rows have a blank description).
CREATE OR REPLACE TEMP TABLE stage AS
WITH raw AS (
    SELECT rowid AS ordinal,
           blank_null(summons_key) AS k, blank_null(summons_date) AS d,
           blank_null(offense_description) AS offense_description,
           blank_null(law_section_number) AS law_section_number,
           blank_null(law_description) AS law_description,
           blank_null(summons_category_type) AS summons_category_type,
           blank_null(age_group) AS age_group, blank_null(sex) AS sex, blank_null(race) AS race,
           blank_null(jurisdiction_code) AS jurisdiction_code, blank_null(boro) AS boro,
           blank_null(precinct_of_occur) AS precinct_of_occur,
           blank_null(x_coordinate_cd) AS x_coordinate_cd, blank_null(y_coordinate_cd) AS y_coordinate_cd,
           blank_null(latitude) AS latitude, blank_null(longitude) AS longitude,
           blank_null(geo_point) AS geo_point
    FROM stage_raw
),
typed AS (
    SELECT raw.*,
           parse_day(d) AS day,
           parse_whole(precinct_of_occur) AS precinct,
           CASE WHEN law_description IS NULL OR upper(law_description) LIKE 'PENAL%'
                THEN regexp_extract(upper(law_section_number), '^(?:PL ?)?(\d{3})\.(\d{2})(?:\s*\((\d+)\))?$',
                                    ['a', 's', 'd'])
                ELSE {'a': '', 's': '', 'd': ''} END AS lc,
           coalesce(rl.race_group, 'Unknown') AS race_group,
           rb.boro_code
    FROM raw
    LEFT JOIN ref_race_labels rl ON rl.label = upper(raw.race)
    LEFT JOIN ref_boroughs rb ON rb.spelling = upper(raw.boro)
),
checked AS (
    SELECT typed.*,
           concat_ws('; ',
               CASE WHEN k IS NULL THEN 'missing SUMMONS_KEY' END,
               CASE WHEN d IS NULL THEN 'missing SUMMONS_DATE'
                    WHEN day IS NULL THEN 'unparseable SUMMONS_DATE ''' || d || ''''
                    WHEN day < DATE '2006-01-01' OR day > current_date
                        THEN 'impossible SUMMONS_DATE ' || day || ' (outside 2006-01-01 to today)' END,
               CASE WHEN jurisdiction_code IS NOT NULL AND parse_whole(jurisdiction_code) IS NULL
                    THEN 'JURISDICTION_CODE is not a whole number: ''' || jurisdiction_code || '''' END,
               CASE WHEN precinct_of_occur IS NOT NULL AND precinct IS NULL
                    THEN 'PRECINCT_OF_OCCUR is not a whole number: ''' || precinct_of_occur || ''''
                    WHEN precinct NOT BETWEEN 1 AND 123
                    THEN 'impossible PRECINCT_OF_OCCUR ' || precinct || ' (NYPD precincts are 1 to 123)' END,
               CASE WHEN not_number(x_coordinate_cd)
                    THEN 'X_COORDINATE_CD is not a number: ''' || x_coordinate_cd || '''' END,
               CASE WHEN not_number(y_coordinate_cd)
                    THEN 'Y_COORDINATE_CD is not a number: ''' || y_coordinate_cd || '''' END,
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
    k AS summons_key,
    day AS summons_date,
    offense_description,
    law_section_number,
    law_description,
    summons_category_type,
    age_group,
    sex,
    race,
    parse_whole(jurisdiction_code) AS jurisdiction_code,
    boro,
    precinct AS precinct_of_occur,
    coord(x_coordinate_cd) AS x_coordinate_cd,
    coord(y_coordinate_cd) AS y_coordinate_cd,
    coord(latitude) AS latitude,
    coord(longitude) AS longitude,
    geo_point,
    race_group,
    CASE WHEN age_group IN ('<18', '18-24', '25-44', '45-64', '65+') THEN age_group ELSE 'UNKNOWN' END AS age_band,
    CASE WHEN upper(sex) IN ('M', 'F') THEN upper(sex) ELSE 'U' END AS sex_code,
    boro_code,
    CAST(nullif(lc.a, '') AS SMALLINT) AS law_article,
    CASE WHEN lc.a <> '' THEN lc.a || '.' || lc.s END AS law_section,
    CAST(nullif(lc.d, '') AS SMALLINT) AS law_subdivision,
    coalesce(lc.a IN ('221', '222'), false) AS is_cannabis,
    CAST($source_id AS INTEGER) AS source_id,
    ordinal + 2 + coalesce(skips.i, 0) AS line,
    CAST((race_group <> 'Unknown')::INT + coalesce(age_group IN ('<18', '18-24', '25-44', '45-64', '65+'), false)::INT
         + coalesce(upper(sex) IN ('M', 'F'), false)::INT + (offense_description IS NOT NULL)::INT
         + (law_description IS NOT NULL)::INT + (summons_category_type IS NOT NULL)::INT
         + (boro_code IS NOT NULL)::INT + (precinct IS NOT NULL)::INT + (coord(latitude) IS NOT NULL)::INT
         AS TINYINT) AS completeness,
    ordinal,
    reason
FROM checked
ASOF LEFT JOIN stage_skips skips ON checked.ordinal >= skips.a;
