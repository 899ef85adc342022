"""How a provider adapter reports failure; the delivery engine decides what to do about it."""


class ProviderError(Exception):
    """A send did not happen. `raw` is the provider's answer (never containing our recipients' data)."""

    def __init__(self, message: str, *, raw: str = "", code: str = "") -> None:
        super().__init__(message)
        self.raw = raw[:2000]
        self.code = code


class TransientProviderError(ProviderError):
    """Worth retrying later: timeouts, HTTP 429 and 5xx, SMTP 4xx, garbage answers."""

    def __init__(
        self, message: str, *, raw: str = "", code: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(message, raw=raw, code=code)
        self.retry_after = retry_after


class PermanentProviderError(ProviderError):
    """Will never work for this recipient: invalid number, SMTP 5xx, rejected by the provider."""
