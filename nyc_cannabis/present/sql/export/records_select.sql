-- One dataset's records as exported (`export`, nyc_cannabis/present/handoff.py): every column of the table,
-- plus the calendar year of the record's date that the files are partitioned by (year=YYYY folders).
SELECT *, year({{date}})::INTEGER AS year
FROM {{table}}
