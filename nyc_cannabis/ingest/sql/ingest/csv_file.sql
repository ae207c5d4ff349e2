-- The file this connection reads next, for the temp view stage_csv (csv_view.sql): a view cannot take
-- parameters, so its reader's arguments are read from this session variable.
-- In: $path, $columns (canonical name → reader type, header order), $date_format.
SET VARIABLE ingest_csv = {'path': $path, 'columns': $columns, 'date_format': $date_format};
