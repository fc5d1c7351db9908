"""Managers assign courses to people in their org subtree; reminders go out by cron."""
