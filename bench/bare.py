"""The baseline for HTTP benchmarks: a bare Flask endpoint under the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "ok"
