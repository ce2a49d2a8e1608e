"""Test doubles that ship with postwright (used by its tests and evals): a fake OpenAI server."""
