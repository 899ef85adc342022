from django.db import transaction

from civicloop.accounts.models import Role, User


@transaction.atomic
def staff_user_ensure(*, username: str, email: str, role: Role, password: str, full_name: str) -> User:
    """Create or update a staff login with exactly this role (idempotent, for the demo and set-up)."""
    first, _, last = full_name.partition(" ")
    user, _ = User.objects.get_or_create(username=username)
    user.email = email
    user.first_name, user.last_name = first, last
    user.role = role
    user.is_staff = role == Role.ADMIN  # only admins reach Django's admin site
    user.is_superuser = role == Role.ADMIN
    user.is_active = True
    user.set_password(password)
    user.save()
    return user
