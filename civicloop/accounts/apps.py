from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicloop.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Connects the receiver that records staff sign-in lockouts (django-axes' user_locked_out).
        from civicloop.accounts import login_throttle  # noqa: F401
