-- Helpers used by the staging views (temporary: they live in the ingesting connection only).
-- a whole number read as DOUBLE ("104" or the API's "104.0"); NULL when not whole
CREATE OR REPLACE TEMP MACRO whole(x) AS CASE WHEN x = round(x) AND abs(x) < 2e9 THEN x::INTEGER END;
CREATE OR REPLACE TEMP MACRO not_whole(name, x) AS
    CASE WHEN x IS NOT NULL AND whole(x) IS NULL THEN name || ' is not a whole number: ' || x END;
-- The checks both datasets share; each returns a reason, or NULL when the value is fine.
CREATE OR REPLACE TEMP MACRO bad_key(name, k) AS CASE WHEN k IS NULL THEN 'missing ' || name END;
CREATE OR REPLACE TEMP MACRO bad_day(name, d) AS
    CASE WHEN d IS NULL THEN 'missing ' || name
         WHEN d < DATE '2006-01-01' OR d > current_date
         THEN 'impossible ' || name || ' ' || d || ' (outside 2006-01-01 to today)' END;
CREATE OR REPLACE TEMP MACRO bad_precinct(name, p) AS
    coalesce(not_whole(name, p),
             CASE WHEN p NOT BETWEEN 1 AND 123 THEN 'impossible ' || name || ' ' || p || ' (NYPD precincts are 1 to 123)' END);
CREATE OR REPLACE TEMP MACRO bad_latitude(lat) AS
    CASE WHEN lat NOT BETWEEN 40.3 AND 41.1 THEN 'impossible Latitude ' || lat || ' (outside New York City)' END;
CREATE OR REPLACE TEMP MACRO bad_longitude(lon) AS
    CASE WHEN lon NOT BETWEEN -74.5 AND -73.4 THEN 'impossible Longitude ' || lon || ' (outside New York City)' END;
