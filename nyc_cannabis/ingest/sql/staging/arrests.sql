-- Translate and validate the rows of one arrests file.
-- In:  temp view stage_rows (the file as DuckDB's CSV reader typed it: ARREST_DATE as DATE, numbers as DOUBLE,
--      labels as text; `ordinal` = 0-based position among the records the reader could split and type, or
--      NULL on the fast path, which does not number the records), temp table stage_shift (ordinal →
--      rejected records before it; only rows that follow a rejected record).
-- Out: temp view stage_typed = the columns of table arrests_raw (less source_id) + ordinal + reason ('' when
--      the row is valid); temp view stage_ranked = stage_typed + the derived model of records/arrests.sql
--      (the completeness that ranks copies of a key). Views, so nothing is computed until a statement reads them.
CREATE OR REPLACE TEMP VIEW stage_typed AS
WITH typed AS (
    SELECT ordinal,
           arrest_key, arrest_date,
           pd_desc, ofns_desc,
           law_code, law_cat_cd,
           arrest_boro, age_group,
           perp_sex, perp_race,
           geo_point,
           pd_cd AS pd_cd_n, ky_cd AS ky_cd_n, arrest_precinct AS precinct_n, jurisdiction_code AS jurisdiction_n,
           nullif(x_coord_cd, 0) AS x_coord_cd, nullif(y_coord_cd, 0) AS y_coord_cd,
           nullif(latitude, 0) AS latitude, nullif(longitude, 0) AS longitude
    FROM stage_rows
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
    ordinal + 2 + coalesce(shift.records, 0) AS line,
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
FROM typed
LEFT JOIN stage_shift shift USING (ordinal);

CREATE OR REPLACE TEMP VIEW stage_ranked AS
{{> records/arrests}};
