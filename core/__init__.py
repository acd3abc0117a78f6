"""Plain pieces every package imports (settings, vocabulary, money and date formatting, the one Jinja2
environment). Nothing here imports Dagster, dbt, Streamlit or another package of the project, so the
dashboard, the emitters, the ledger and the Dagster code can all depend on it without a cycle."""
