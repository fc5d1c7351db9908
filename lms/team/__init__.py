"""The team dashboard: a manager's view of their org subtree (levels, engagement, people)."""
