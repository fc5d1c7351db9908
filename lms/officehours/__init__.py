"""Office hours: sessions people sign up for (with a waitlist), calendar invitations, reminders,
attendance marked by the host and a short "did this help?" afterwards (issue 11, item 3)."""
