"""Readers, one module per external format."""
