-- The columns and types of an exported table (for DICTIONARY.csv).
DESCRIBE SELECT * FROM {{table}};
