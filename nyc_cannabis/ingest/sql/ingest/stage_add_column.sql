-- An optional column the file lacks, added as NULL. {{column}} and {{type}} (the reader type, lower case)
-- come from the schema allow-list (nyc_cannabis/core/datasets.py), never from the file.
ALTER TABLE stage ADD COLUMN {{column}} {{type}};
