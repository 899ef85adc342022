from django.apps import AppConfig


class EngageConfig(AppConfig):
    name = "civicloop.engage"
    verbose_name = "Engage: spaces, questions and ideas"

    def ready(self) -> None:
        from civicloop.core.retention import RetentionRule, retention_rule
        from civicloop.delivery.notification_links import notification_links_register
        from civicloop.engage import reportables
        from civicloop.engage.services import support_network_keys_forget
        from civicloop.engage.tokens import follower_notification_links

        # Moderation works on ideas and comments through its registry (it imports no engage module).
        reportables.register()
        # An idea's updates carry its follower's own stop link (delivery imports no engage module).
        notification_links_register("idea_id", follower_notification_links)

        retention_rule(
            RetentionRule("support network keys", "RETENTION_NETWORK_KEY_DAYS", support_network_keys_forget)
        )
