"""Test infrastructure: databases, required parts, factories."""
