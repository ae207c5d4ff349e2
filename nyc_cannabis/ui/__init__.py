"""The dashboard (Streamlit only): the router (``app.py``), the pages (``screens/``) and their glue; it calls the
engine layers below it and nothing below imports it."""
