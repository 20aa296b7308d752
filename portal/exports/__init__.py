"""CSV downloads of the lists and statements: every row of a list as its page filters it, never all in memory.

A list is read a keyset batch at a time through the same read helpers its page uses (so the rows are exactly the
page's, all pages of them), written out as CSV text as it is read, and streamed. Every cell is safe to open in a
spreadsheet: text that would start a formula is defused, money is a decimal string beside its currency, and moments
are ISO 8601 in UTC. Each download is in the audit trail before its first byte leaves.
"""
