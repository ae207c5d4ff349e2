-- Fast path: the file ({{file}}, the reader's view) read straight through, not kept and not numbered
-- (`ordinal` NULL).
CREATE OR REPLACE TEMP VIEW stage_rows AS SELECT NULL::BIGINT AS ordinal, * FROM {{file}};
