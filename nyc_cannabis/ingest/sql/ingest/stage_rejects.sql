-- The records the CSV reader rejected, with their record number, error and raw text.
CREATE TEMP TABLE stage_rejects AS
SELECT line, error_type::VARCHAR AS error_type, column_name, error_message, csv_line
FROM stage_reject_errors;
