"""Courses as Markdown: the format parser and validator, rendering, versioned publishing."""
