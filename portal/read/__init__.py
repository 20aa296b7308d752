"""The read side: what pages (and, later, an API) show, as frozen dataclasses, a fixed number of queries each.

One module per subject. Read repositories take typed values only (filters, page requests, date ranges); parsing a
query string is the web layer's job (``portal.web.queries``). Nothing here changes a row.
"""
