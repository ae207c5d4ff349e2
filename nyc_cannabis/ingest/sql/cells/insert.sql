-- Add cells for a dataset's cannabis records (all, or one file's: see select.sql).
INSERT INTO {{cells}} BY NAME
{{> cells/select}};
