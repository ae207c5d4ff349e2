-- A demo CSV file as the portal exports it: header once, quotes only where needed, empty field for NULL.
-- `demo_rows` is the generated Arrow table, registered with the header's columns in order. In: $target.
COPY (SELECT * FROM demo_rows) TO $target (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"');
