"""Layer 1, where records come from: the NYC Open Data (Socrata) downloader and the synthetic demo
generator. Imports only :mod:`nyc_cannabis.core`.
"""
