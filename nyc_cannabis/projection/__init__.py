"""Layer 4, the law applied to the records: counts by group as charged and under another law, and
the reasoning chain for one record.
"""
