"""Sessions, the unit of work, the audit trail and the repositories."""
