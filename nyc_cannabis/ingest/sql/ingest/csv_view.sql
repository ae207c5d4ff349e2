-- The file (csv_file.sql) as DuckDB's CSV reader types it: the date with the file's explicit format, numbers
-- as DOUBLE, labels as text. Records it cannot split into the header's columns or type are skipped and
-- collected, once the view is read, in `stage_reject_errors` (with `stage_reject_scans`).
CREATE OR REPLACE TEMP VIEW stage_csv AS
SELECT * FROM read_csv(getvariable('ingest_csv').path, header = true, auto_detect = false,
                       columns = getvariable('ingest_csv').columns,
                       dateformat = getvariable('ingest_csv').date_format, delim = ',', quote = '"', escape = '"',
                       strict_mode = true, null_padding = false, ignore_errors = true,
                       store_rejects = true, rejects_table = 'stage_reject_errors',
                       rejects_scan = 'stage_reject_scans', max_line_size = 1048576);
