"""Logging in and out, setting and changing passwords, and server-side sessions."""
