-- Stamp the schema version the database was created or opened with.
INSERT OR REPLACE INTO meta VALUES ('schema_version', '2');
