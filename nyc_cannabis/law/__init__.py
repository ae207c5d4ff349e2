"""Layer 3, the law: the penalty regimes as cited YAML, their schema and classifier, and the crosswalk of
a charged section to low / central / high under another law. Never imports DuckDB.
"""
