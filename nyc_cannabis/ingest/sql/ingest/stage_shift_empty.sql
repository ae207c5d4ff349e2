-- Nothing was rejected: an empty shift table, so the staging view skips the ASOF join over every row.
CREATE TEMP TABLE stage_shift (ordinal BIGINT, records BIGINT);
