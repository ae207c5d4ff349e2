-- The CSV file → temp table `stage`, typed by DuckDB's reader, in file order (rowid = position). Records it
-- cannot split or type are skipped and collected in `stage_reject_errors` (with `stage_reject_scans`).
-- In: $path, $columns (canonical name → reader type, header order), $date_format.
CREATE TEMP TABLE stage AS
SELECT * FROM read_csv($path, header = true, auto_detect = false, columns = $columns,
                       dateformat = $date_format, delim = ',', quote = '"', escape = '"',
                       strict_mode = true, null_padding = false, ignore_errors = true,
                       store_rejects = true, rejects_table = 'stage_reject_errors',
                       rejects_scan = 'stage_reject_scans', max_line_size = 1048576);
