"""The test suite (a package, so ``tests.conftest`` is imported once, under one name)."""
