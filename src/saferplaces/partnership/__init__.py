"""The delivery side: partners, governance, strategy, plans, performance and DHRs.

``models`` holds the tables, ``db`` opens the database (SQLite in the workspace or PostgreSQL)
and migrates it, ``audit`` records every change, ``yaml_io`` reads and writes the strategy
document and ``services`` runs the plan.
"""
