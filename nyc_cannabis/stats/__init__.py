"""Layer 5, numbers with intervals: Census denominators, rates and rate ratios, disparity, trends.
"""
