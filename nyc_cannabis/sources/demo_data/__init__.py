"""Data tables of the demo generator (:mod:`nyc_cannabis.sources.demo`); see ``README.md`` in this folder."""
