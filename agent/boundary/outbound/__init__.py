"""Outbound policy: what a proposal may contain before it is kept, run or published."""
