"""Dagster definitions of the lana data warehouse (stand-in)."""
from lana_dw.assets import all_assets  # noqa: F401
