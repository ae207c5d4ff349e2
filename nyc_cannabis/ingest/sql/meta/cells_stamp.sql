-- The stamp (version and law dates) the stored cannabis cells were cut at; no row when never built.
SELECT value FROM meta WHERE name = 'cells';
