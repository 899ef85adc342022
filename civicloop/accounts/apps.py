from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicloop.accounts"
    label = "accounts"
