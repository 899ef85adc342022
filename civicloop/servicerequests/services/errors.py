"""What Open311 and the forms answer when a request is refused."""

from civicloop.core.errors import DomainError


class ServiceRequestInvalid(DomainError):
    """Bad input: Open311 answers 400 with this code and description."""

    def __init__(self, description: str, *, code: str = "400", field: str | None = None) -> None:
        super().__init__(description, field=field)
        self.code = code
