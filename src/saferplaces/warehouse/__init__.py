"""The DuckDB warehouse: schema, partitioned ingest, quarantine, provenance, status."""

from saferplaces.warehouse.schema import TABLES, connect, create_schema

__all__ = ["TABLES", "connect", "create_schema"]
