from flask import Flask, Request

class HtmxAwareRequest(Request):
    htmx: bool

class Htmx:
    def __init__(self, app: Flask | None = None) -> None: ...
    def init_app(self, app: Flask) -> None: ...

request: HtmxAwareRequest
