"""The provider's example DAG, as a user copies it into the dags folder (the provider is installed
into the Airflow venv by scripts/airflow-env.sh)."""

from postwright_provider.example_dags.postwright_nightly import dag  # noqa: F401 (Airflow finds it)
