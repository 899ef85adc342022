from django.contrib.auth import views as auth_views
from django.urls import include, path

from civicloop.accounts import oidc, views

app_name = "staff"
urlpatterns = [
    path("", views.staff_home, name="home"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("oidc/login/", oidc.StaffOIDCLoginView.as_view(), name="oidc-login"),
    path("oidc/callback/", oidc.StaffOIDCCallbackView.as_view(), name="oidc-callback"),
    path("two-factor/", views.second_factor_verify, name="second-factor-verify"),
    path("two-factor/setup/", views.second_factor_setup, name="second-factor-setup"),
    path("two-factor/passkey/options/", views.passkey_verify_options, name="passkey-verify-options"),
    path("two-factor/passkey/", views.passkey_verify, name="passkey-verify"),
    path("two-factor/passkeys/new/options/", views.passkey_register_options, name="passkey-register-options"),
    path("two-factor/passkeys/new/", views.passkey_register, name="passkey-register"),
    path("two-factor/passkeys/<int:pk>/remove/", views.passkey_remove, name="passkey-remove"),
    path("audit/", views.staff_audit, name="audit"),
    path("audit.csv", views.staff_audit_csv, name="audit-csv"),
    path("announcements/", include("civicloop.announcements.staff_urls")),
    path("announcements/", include("civicloop.delivery.staff_urls")),
    path("requests/", include("civicloop.servicerequests.staff_urls")),
    path("engage/", include("civicloop.engage.staff_urls")),
    path("moderation/", include("civicloop.moderation.staff_urls")),
    path("conversations/", include("civicloop.deliberation.staff_urls")),
    path("assistant/", include("civicloop.assistant.staff_urls")),
    path("inbox/", include("civicloop.assistant.inbox_urls")),
    path("records/", include("civicloop.records.staff_urls")),
]
