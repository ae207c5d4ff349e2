-- Rows of a downloaded file (the API form the downloader writes) whose key the database holds neither as a
-- record nor as a quarantined row: what ingesting the file could add. A file with none only repeats what the
-- database holds, so an update does not ingest it. Rows without a key are not counted (they could only be
-- quarantined again).
WITH downloaded AS (
    SELECT nullif(trim({{key}}), '') AS k
    FROM read_csv($path, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')
),
quarantined AS (
    SELECT DISTINCT CASE WHEN json_valid(raw) THEN json_extract_string(raw, $json_key) END AS k
    FROM quarantine
    WHERE dataset = $dataset
)
SELECT count(*) AS new_keys
FROM downloaded
WHERE k IS NOT NULL
  AND k NOT IN (SELECT {{key}} FROM {{stored}})
  AND k NOT IN (SELECT k FROM quarantined WHERE k IS NOT NULL);
