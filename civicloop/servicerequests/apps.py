from django.apps import AppConfig


class ServiceRequestsConfig(AppConfig):
    name = "civicloop.servicerequests"
    label = "servicerequests"

    def ready(self) -> None:
        from civicloop.delivery.notification_links import notification_links_register
        from civicloop.servicerequests.tokens import follower_notification_links

        # A request's updates carry its follower's own stop link (delivery imports no servicerequests module).
        notification_links_register("request_id", follower_notification_links)
