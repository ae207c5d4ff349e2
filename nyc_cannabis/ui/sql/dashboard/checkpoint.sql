-- Fold the write-ahead log into the database file (writes.py, before a copy is made or swapped in).
CHECKPOINT
