"""The author workspace: drafts, previews, validation, publishing and version history."""
