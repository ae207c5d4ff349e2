-- The stamp (SHA-256 of their SQL) the record views were created from; no row when never created.
SELECT value FROM meta WHERE name = 'record_views';
