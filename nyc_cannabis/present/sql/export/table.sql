-- Write a whole table (quarantine, cells, a population frame) to the file $path: Parquet or CSV.
COPY (SELECT * FROM {{table}}) TO $path (FORMAT {{format}});
