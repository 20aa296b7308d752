"""Domain values with no database: money, colours."""
