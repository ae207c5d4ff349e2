-- Nothing was rejected (or the file is not numbered): an empty shift table, so the staging view skips the
-- ASOF join over every row.
CREATE OR REPLACE TEMP TABLE stage_shift (ordinal BIGINT, records BIGINT);
