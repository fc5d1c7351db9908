"""In-app notifications (badge earned, assignment reminders, kudos)."""
