"""Read summaries: dashboard figures of large scopes, computed ahead and read in one statement."""
