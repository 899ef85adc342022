"""The scenario's report: what was sent, what went wrong, and the promises broken."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class FaultResult:
    subscribers: int
    deliveries: int
    email_expected: int
    sms_expected: int
    statuses: dict[str, int]
    stuck: int
    email_recipients: int
    email_copies: int
    email_repeats: int
    sms_recipients: int
    sms_copies: int
    sms_repeats: int
    kills: int
    postgres_restarts: int
    postgres_restart_seconds: float
    redis_down_seconds: float
    smtp_errors_answered: int
    smtp_hangs: int
    twilio_errors_answered: int
    twilio_hangs: int
    worker_starts: int
    worker_exits: dict[str, int]
    repeat_bound: int
    setup_seconds: float
    send_seconds: float
    recovery_seconds: float
    faults_done: bool
    events: list[str]

    def problems(self) -> list[str]:
        """The promises broken (empty when the send survived every fault)."""
        found = []
        if self.deliveries != self.email_expected + self.sms_expected:
            found.append(
                f"{self.deliveries} deliveries for {self.email_expected + self.sms_expected} contacts"
            )
        if self.stuck:
            found.append(f"{self.stuck} deliveries not final after recovery: {self.statuses}")
        if self.statuses.get("sent", 0) != self.deliveries:
            found.append(f"not every delivery was sent: {self.statuses}")
        if self.email_recipients != self.email_expected:
            found.append(f"{self.email_recipients} of {self.email_expected} email recipients got the email")
        if self.sms_recipients != self.sms_expected:
            found.append(f"{self.sms_recipients} of {self.sms_expected} SMS recipients got the text")
        if self.email_repeats > self.repeat_bound:
            found.append(f"{self.email_repeats} repeated emails, more than {self.repeat_bound}")
        if self.sms_repeats > self.repeat_bound:
            found.append(f"{self.sms_repeats} repeated texts, more than {self.repeat_bound}")
        if not self.faults_done:
            found.append(f"the send ended before every fault happened: {self.events}")
        return found

    def as_json(self) -> dict[str, Any]:
        result = asdict(self)
        for name in ("postgres_restart_seconds", "redis_down_seconds", "setup_seconds", "send_seconds"):
            result[name] = round(result[name], 2)
        result["recovery_seconds"] = round(result["recovery_seconds"], 2)
        return result
