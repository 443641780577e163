"""The ceiling: a bare Flask app returning a short string, served under the portal's gunicorn
configuration. Nothing a Python web app does can be faster here; the portal's pages are
reported as a share of it."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello from the ceiling."
