from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicloop.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Connects the receivers: staff sign-in lockouts (django-axes' user_locked_out), and the sign-ins
        # and sign-outs that start a staff session's clock and go in the audit log.
        from civicloop.accounts import login_throttle, signals  # noqa: F401
        from civicloop.accounts.services import security_event_network_keys_forget
        from civicloop.core.retention import RetentionRule, retention_rule

        retention_rule(
            RetentionRule(
                "staff security event network keys",
                "RETENTION_NETWORK_KEY_DAYS",
                security_event_network_keys_forget,
            )
        )
