"""Layer 2, files into DuckDB: the loader (read, validate, quarantine, dedupe, one transaction per file),
the cannabis cells every count is read from, and the load accounting (``info``).
"""
