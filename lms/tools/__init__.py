"""The adoption toolkit's first part: the approved AI tools register, the organisation's AI
settings (policy link, AI contact, data-classification card) that course text names through
placeholders, and "tell us what you use" reports with their triage and k-anonymous totals."""
