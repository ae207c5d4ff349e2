-- The narrow facts every later step needs, computed once from the staging view.
CREATE OR REPLACE TEMP TABLE stage_check AS
SELECT ordinal, line, {{key}} AS record_key, {{date}} AS day, completeness, reason FROM stage_ranked;
