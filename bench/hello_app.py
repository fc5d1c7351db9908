"""The ceiling: a bare Flask app that returns "hello", served exactly like the LMS."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
