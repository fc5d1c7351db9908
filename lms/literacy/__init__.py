"""Literacy levels: a pure model from evidence to levels, and the stored levels dashboards read."""
