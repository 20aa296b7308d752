"""Passwords, masking and (later) secret settings."""
