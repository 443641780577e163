from collections.abc import Callable, Iterable
from typing import Any

class WhiteNoise:
    def __init__(
        self,
        application: Callable[..., Iterable[bytes]],
        root: str | None = None,
        prefix: str | None = None,
        **kwargs: Any,
    ) -> None: ...
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]: ...
    def add_files(self, root: str, prefix: str | None = None) -> None: ...
