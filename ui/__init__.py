"""The dashboard's UI glue: pages (``ui/pages/``) → this package → {store, analytics}."""
