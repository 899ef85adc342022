from civicloop.core.errors import DomainError


class RecordsInvalid(DomainError):
    """The email address or phone number given cannot be read."""


class BackupInvalid(DomainError):
    """An archive that is not a complete, unaltered civicloop backup."""


class RestoreRefused(DomainError):
    """A restore that would lose data or could not work (another database engine, newer code)."""
