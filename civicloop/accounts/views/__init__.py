"""Staff console pages of accounts: signing in (and being locked out), the two-factor step with an
authenticator app or a passkey, and the audit log.

The parts: ``sign_in`` (the sign-in page, the lock-out answer, the console's home), ``two_factor`` (the
authenticator app), ``passkey_ceremonies`` (passkeys: py_webauthn is imported when a view runs, never at
start) and ``audit`` (the audit log and its CSV). Everything urls.py and settings use is here.
"""

from civicloop.accounts.views.audit import AUDIT_PAGE_SIZE, staff_audit, staff_audit_csv
from civicloop.accounts.views.passkey_ceremonies import (
    PASSKEY_AUTHENTICATION_CHALLENGE,
    PASSKEY_REGISTRATION_CHALLENGE,
    passkey_register,
    passkey_register_options,
    passkey_remove,
    passkey_verify,
    passkey_verify_options,
)
from civicloop.accounts.views.sign_in import LOCKED_OUT_STATUS, StaffLoginView, login_locked_out, staff_home
from civicloop.accounts.views.two_factor import second_factor_setup, second_factor_verify

__all__ = [
    "AUDIT_PAGE_SIZE",
    "LOCKED_OUT_STATUS",
    "PASSKEY_AUTHENTICATION_CHALLENGE",
    "PASSKEY_REGISTRATION_CHALLENGE",
    "StaffLoginView",
    "login_locked_out",
    "passkey_register",
    "passkey_register_options",
    "passkey_remove",
    "passkey_verify",
    "passkey_verify_options",
    "second_factor_setup",
    "second_factor_verify",
    "staff_audit",
    "staff_audit_csv",
    "staff_home",
]
