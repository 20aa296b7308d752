"""Commands that change state, each one unit of work."""
