"""The dashboard (Streamlit only): the router (``app.py``), the pages (``pages/``) and their glue; it calls the
engine layers below it and nothing below imports it."""
