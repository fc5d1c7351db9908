"""The learning activity record: an append-only event log shaped like xAPI statements."""
