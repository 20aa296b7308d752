"""Feature flags: the catalog in code, evaluation through OpenFeature, and the switches that roll the product out."""
