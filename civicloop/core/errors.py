class DomainError(Exception):
    """A rule of the city's domain was broken; each interface renders it in its own dialect."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    pass
