-- The columns and types of one dataset's exported records (for DICTIONARY.csv).
DESCRIBE {{> export/records_select}};
