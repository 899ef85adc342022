from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "civicloop.subscriptions"
    label = "subscriptions"

    def ready(self) -> None:
        from civicloop.core.retention import RetentionRule, retention_rule
        from civicloop.subscriptions.services import unconfirmed_subscribers_forget

        retention_rule(
            RetentionRule(
                "unconfirmed subscriptions",
                "RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS",
                unconfirmed_subscribers_forget,
            )
        )
