"""The lana data warehouse's assets (stand-in: the real ones run dbt)."""
from dagster import asset


@asset
def raw_transactions():
    return [{"id": 1, "amount": 100}]


@asset(deps=[raw_transactions])
def daily_balances():
    return {"2024-05-01": 100}


all_assets = [raw_transactions, daily_balances]
