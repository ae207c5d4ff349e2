"""Entry point: ``python -m nyc_cannabis``."""

from nyc_cannabis.cli import main

main()
