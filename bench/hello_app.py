"""The ceiling: a bare Flask app served exactly like the LMS (same gunicorn settings).

``/`` returns "hello" (the ceiling the targets are shares of); ``/page`` renders an ~11 KB Jinja
page with no database, the calibration row of performance.md ("~11 KB Jinja page, no database").
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><nav><ul>
{% for item in nav %}<li><a href="{{ item.url }}">{{ item.label }}</a></li>{% endfor %}
</ul></nav><main><h1>{{ title }}</h1>
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}</main></body></html>"""
PARAGRAPHS = [
    f"Paragraph {number}: check every figure, name and date in an AI draft against a source you "
    "trust before you send it; a draft that is mostly right reads exactly like one that is right."
    for number in range(60)
]
NAV = [{"url": f"/section/{number}", "label": f"Section {number}"} for number in range(8)]
# Compiled once, as Flask's template loader caches a template file.
TEMPLATE = app.jinja_env.from_string(PAGE)


@app.get("/")
def hello() -> str:
    return "hello"


@app.get("/page")
def page() -> str:
    return TEMPLATE.render(title="A lesson", paragraphs=PARAGRAPHS, nav=NAV)
