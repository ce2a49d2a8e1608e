"""`python -m evals`: every measurement of evals/ in one run, written to evals/REPORT.md with plots."""
