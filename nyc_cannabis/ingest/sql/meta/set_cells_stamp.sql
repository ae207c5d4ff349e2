-- Record that the stored cannabis cells were cut at $stamp (nyc_cannabis/ingest/cells.py: stamp()).
INSERT OR REPLACE INTO meta VALUES ('cells', $stamp);
