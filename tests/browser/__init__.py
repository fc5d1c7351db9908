"""Journeys in real Chromium (Debian's /usr/bin/chromium) driven by Playwright."""
