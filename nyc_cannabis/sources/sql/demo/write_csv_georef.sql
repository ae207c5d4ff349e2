-- As write_csv.sql, for an edition whose last column is the point built from Longitude and Latitude.
COPY (SELECT *,
             'POINT (' || CAST("Longitude" AS VARCHAR) || ' ' || CAST("Latitude" AS VARCHAR) || ')'
                 AS "New Georeferenced Column"
      FROM demo_rows)
TO $target (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"');
