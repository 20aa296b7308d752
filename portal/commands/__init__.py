"""The command model: every state change is a command, run exactly once by one runner."""
