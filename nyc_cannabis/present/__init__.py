"""Layer 6, what readers see: plotly figures, finding sentences, the HTML report, the glossary of
columns, the law as tables. The only home of plotly; never imports Streamlit.
"""
