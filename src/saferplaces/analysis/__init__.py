"""Analyses: pure functions of a warehouse connection, a period and an area, returning frames."""
