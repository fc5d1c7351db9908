"""The perception pulse: a short recurring survey, authored in ``courses/_pulse/``, answered
anonymously, shown to executives by group with small groups suppressed."""
