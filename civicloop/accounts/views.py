from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import ROLE_CAPABILITIES, Capability


class StaffLoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    redirect_authenticated_user = True


@require_GET
@capability_required(Capability.VIEW_CONSOLE)
def staff_home(request: HttpRequest) -> HttpResponse:
    capabilities = ROLE_CAPABILITIES.get(request.user.role, frozenset())  # type: ignore[union-attr]
    return render(request, "staff/home.html", {"capabilities": {c.value for c in capabilities}})
