"""Write repositories: the rows a unit of work changes. They never commit; pages read through ``portal.read``."""
