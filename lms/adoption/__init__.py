""""AI at work": the one menu entry for the adoption features (docs/adoption.md)."""
