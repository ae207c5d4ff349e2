-- Version 1 → 2, in the opening transaction: the records of the table {{table}} move to {{stored}} without
-- their derived columns (the view {{table}} computes them, with the same SQL that stored them), and a
-- conflict's lines may be NULL (a record of a file that was not numbered).
INSERT INTO {{stored}} BY NAME
SELECT * EXCLUDE (race_group, age_band, sex_code, boro_code, law_article, law_section, law_subdivision,
                  is_cannabis, completeness)
FROM {{table}};
DROP TABLE {{table}};
ALTER TABLE conflicts ALTER kept_line DROP NOT NULL;
ALTER TABLE conflicts ALTER other_line DROP NOT NULL;
