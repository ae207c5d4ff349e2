-- Settings of the in-memory connection that writes the demo CSV files: rows in the order given, no
-- progress bar on the terminal.
SET preserve_insertion_order = true;
SET enable_progress_bar = false;
