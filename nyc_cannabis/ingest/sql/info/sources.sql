-- Every loaded file with its load accounting.
SELECT source_id, file_name, path, sha256, bytes, dataset, edition, synthetic,
       rows_read, rows_loaded, rows_rejected, rows_duplicate, conflicts,
       first_date, last_date, missing_columns, ignored_columns, ingested_at, tool_version
FROM sources
ORDER BY source_id;
