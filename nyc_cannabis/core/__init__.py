"""Layer 0, shared by every layer: the database object and the named SQL files, dataset descriptions,
the law-event dates, the reference tables (Census, precinct outlines, age bands, boroughs). Imports no other
layer of the package.
"""
