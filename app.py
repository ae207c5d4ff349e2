"""The dashboard, for ``streamlit run app.py`` from the repository (``make run`` serves the same app through
``python -m nyc_cannabis.ui.serve``). The router and pages live in ``nyc_cannabis/ui/``."""

from nyc_cannabis.ui.app import main

main()
