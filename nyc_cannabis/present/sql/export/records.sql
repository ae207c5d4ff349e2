-- Write one dataset's records to $path, one folder per calendar year (year=2017/…): Parquet or CSV.
COPY ({{> export/records_select}}) TO $path (FORMAT {{format}}, PARTITION_BY (year));
