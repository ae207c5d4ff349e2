-- Translate and validate the rows of one summonses file.
-- In:  temp view stage_rows (the file as DuckDB's CSV reader typed it: SUMMONS_DATE as DATE, numbers as
--      DOUBLE, labels as text; `ordinal` = 0-based position among the records the reader could split and
--      type, or NULL on the fast path, which does not number the records), temp table stage_shift (ordinal →
--      rejected records before it; only rows that follow a rejected record).
-- Out: temp view stage_typed = the columns of table summonses_raw (less source_id) + ordinal + reason ('' when
--      the row is valid); temp view stage_ranked = stage_typed + the derived model of records/summonses.sql
--      (the completeness that ranks copies of a key). Views, so nothing is computed until a statement reads them.
CREATE OR REPLACE TEMP VIEW stage_typed AS
WITH typed AS (
    SELECT ordinal,
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
    FROM stage_rows
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
    ordinal + 2 + coalesce(shift.records, 0) AS line,
    ordinal,
    concat_ws('; ',
        bad_key('SUMMONS_KEY', summons_key),
        bad_day('SUMMONS_DATE', summons_date),
        not_whole('JURISDICTION_CODE', jurisdiction_n),
        bad_precinct('PRECINCT_OF_OCCUR', precinct_n),
        bad_latitude(latitude),
        bad_longitude(longitude)
    ) AS reason
FROM typed
LEFT JOIN stage_shift shift USING (ordinal);

CREATE OR REPLACE TEMP VIEW stage_ranked AS
{{> records/summonses}};
