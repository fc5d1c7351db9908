"""Honest measurement: how quiz items are drawn and shown, checked (the assessment linter),
attacked (the test-wise audit) and measured (item statistics). See docs/authoring.md."""
