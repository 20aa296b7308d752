"""Logging, correlation ids and (later) metrics."""
