"""Data tables of the demo generator (:mod:`analytics.demo`); see ``README.md`` in this folder."""
