"""The fault plans: what goes wrong and when, for the test's variant and the long benchmark."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FaultPlan:
    """What goes wrong, and when (as a share of the deliveries done)."""

    subscribers: int = 1500  # 80 % have an email address, 40 % a mobile number
    workers: int = 2
    kills: int = 10
    postgres_restarts: int = 1
    redis_down_seconds: float = 3.0
    smtp_error_seconds: float = 2.0
    smtp_hang_seconds: float = 3.0  # a window of hangs, each past EMAIL_TIMEOUT
    sms_error_seconds: float = 2.0
    sms_hang_seconds: float = 2.0  # requests that come in this window hang 11 s (the adapter waits 10)
    batch: int = 20
    lease_seconds: float = 15.0  # above a batch's worst time (a hung Twilio request is 10 s)
    email_rate: float = 80.0  # per worker, so that the send lasts long enough for every fault
    sms_rate: float = 40.0
    email_timeout: float = 1.0
    recovery_seconds: float = 120.0  # after the last fault, every delivery must be final by then
    stall_seconds: float = 90.0  # no progress for this long while faults remain: give up


# The test's variant (civicloop/delivery/tests/test_faults.py) and the long one (`civicloop bench faults`).
SHORT = FaultPlan()
LONG = FaultPlan(
    subscribers=10_000,
    redis_down_seconds=30.0,
    smtp_error_seconds=10.0,
    smtp_hang_seconds=10.0,
    sms_error_seconds=10.0,
    sms_hang_seconds=10.0,
    batch=50,
    email_rate=150.0,
    sms_rate=75.0,
    recovery_seconds=300.0,
    stall_seconds=120.0,
)
