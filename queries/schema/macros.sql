-- Parsers used by the staging queries (temporary: they live in the ingesting connection only).
CREATE OR REPLACE TEMP MACRO blank_null(s) AS nullif(trim(s), '');
-- a whole number written as "104" or "104.0" (the API returns numbers as strings); NULL when not whole
CREATE OR REPLACE TEMP MACRO parse_whole(s) AS
    CASE WHEN try_cast(s AS DOUBLE) = round(try_cast(s AS DOUBLE)) AND abs(try_cast(s AS DOUBLE)) < 2e9
         THEN try_cast(s AS DOUBLE)::INTEGER END;
-- CSV export MM/DD/YYYY, API 2020-11-19T00:00:00.000, plain ISO; explicit formats, never guessed
CREATE OR REPLACE TEMP MACRO parse_day(s) AS
    try_strptime(s, ['%m/%d/%Y', '%Y-%m-%dT%H:%M:%S.%g', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d'])::DATE;
-- 0 is the exports' placeholder for "no coordinate"
CREATE OR REPLACE TEMP MACRO coord(s) AS nullif(try_cast(s AS DOUBLE), 0);
CREATE OR REPLACE TEMP MACRO not_number(s) AS s IS NOT NULL AND try_cast(s AS DOUBLE) IS NULL;
