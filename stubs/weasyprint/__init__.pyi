from collections.abc import Callable
from typing import Any

class HTML:
    def __init__(
        self,
        guess: Any = None,
        filename: Any = None,
        url: str | None = None,
        file_obj: Any = None,
        string: str | None = None,
        encoding: str | None = None,
        base_url: str | None = None,
        url_fetcher: Callable[..., Any] | None = None,
        media_type: str = "print",
    ) -> None: ...
    def write_pdf(self, target: Any = None, **options: Any) -> bytes: ...
