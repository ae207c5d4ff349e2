-- No copy of any key collides: an empty pair table, without scanning the staging rows.
CREATE OR REPLACE TEMP TABLE stage_pairs (
    record_key VARCHAR, kept_source_id INTEGER, kept_line BIGINT, kept_ordinal BIGINT,
    other_source_id INTEGER, other_line BIGINT, other_ordinal BIGINT, resolution VARCHAR, replaces BOOLEAN);
