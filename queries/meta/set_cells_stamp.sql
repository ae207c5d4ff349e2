-- Record that the stored cannabis cells were cut at $stamp (analytics/cells.py: stamp()).
INSERT OR REPLACE INTO meta VALUES ('cells', $stamp);
