from django.apps import AppConfig


class EngageConfig(AppConfig):
    name = "civicloop.engage"
    verbose_name = "Engage: spaces, questions and ideas"

    def ready(self) -> None:
        from civicloop.core.retention import RetentionRule, retention_rule
        from civicloop.engage import reportables
        from civicloop.engage.services import support_network_keys_forget

        # Moderation works on ideas and comments through its registry (it imports no engage module).
        reportables.register()

        retention_rule(
            RetentionRule("support network keys", "RETENTION_NETWORK_KEY_DAYS", support_network_keys_forget)
        )
