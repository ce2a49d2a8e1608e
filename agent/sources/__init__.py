"""Sources: raw logs from files or Airflow, and the failed HTTP calls found in them.

Heavy adapters are imported lazily: ``from agent.sources.logfiles import LogFiles``,
``from agent.sources.signals import extract_signals``.
"""

from __future__ import annotations
