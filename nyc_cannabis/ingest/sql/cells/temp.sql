-- Cells built on the fly in this connection, for a database whose stored cells are missing or stale.
CREATE OR REPLACE TEMP TABLE {{cells}} AS
{{> cells/select}};
