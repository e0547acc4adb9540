"""Dagster definitions of the lana data warehouse."""
from dagster import Definitions

from lana_dw.assets import all_assets

defs = Definitions(assets=all_assets)
