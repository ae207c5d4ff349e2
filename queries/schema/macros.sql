-- Helpers used by the staging views (temporary: they live in the ingesting connection only).
-- a whole number read as DOUBLE ("104" or the API's "104.0"); NULL when not whole
CREATE OR REPLACE TEMP MACRO whole(x) AS CASE WHEN x = round(x) AND abs(x) < 2e9 THEN x::INTEGER END;
CREATE OR REPLACE TEMP MACRO not_whole(name, x) AS
    CASE WHEN x IS NOT NULL AND whole(x) IS NULL THEN name || ' is not a whole number: ' || x END;
