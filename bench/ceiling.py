"""The ceiling `bench/web.py` compares every page with: bare Flask + Flask-SQLAlchemy, one indexed 20-row query
and a 20-row Jinja table, on the same database, under the same gunicorn settings.

    DATABASE_URL=postgresql://… gunicorn -c gunicorn.conf.py bench.ceiling:app
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Agents</title></head><body>
<table><thead><tr><th>Id</th><th>Name</th><th>Slug</th><th>Status</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.name }}</td><td>{{ row.slug }}</td><td>{{ row.status }}</td></tr>
{% endfor %}</tbody></table></body></html>"""

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
db = SQLAlchemy(app)
#: Compiled once, as Flask compiles a template file once (``render_template_string`` would compile it per request).
_PAGE = app.jinja_env.from_string(PAGE)
_AGENTS = sa.text("SELECT id, name, slug, status FROM agent WHERE id > :after ORDER BY id LIMIT 20")


@app.get("/")
def agents():
    after = request.args.get("after", "0")
    rows = db.session.execute(_AGENTS, {"after": int(after) if after.isdigit() else 0}).mappings().all()
    return _PAGE.render(rows=rows)
