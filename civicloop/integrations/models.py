"""What the provider adapters keep between calls: OAuth tokens that a provider rotates (X's refresh token is
good for one use), so they cannot live in the environment alone."""

from django.db import models


class ProviderToken(models.Model):
    """The current access and refresh tokens of one provider account (e.g. "x"), written on each refresh."""

    provider = models.CharField(max_length=40, unique=True)
    access_token = models.TextField(blank=True, default="")
    refresh_token = models.TextField(blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Token for {self.provider}"  # never the token itself: __str__ reaches logs and the admin
