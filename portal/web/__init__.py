"""What every blueprint shares: request context, headers, errors, htmx, formatting."""
