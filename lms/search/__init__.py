"""One search box for courses, modules and the other content people look for (docs/search.md)."""
