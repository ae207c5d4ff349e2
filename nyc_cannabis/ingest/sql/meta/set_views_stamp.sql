-- Record that the record views were created from SQL with the stamp $stamp (loader.open_db).
INSERT OR REPLACE INTO meta VALUES ('record_views', $stamp);
