"""What subscriptions tell the layers above them (which send texts; subscriptions never do)."""

from django.dispatch import Signal

# Sent after commit when a number given on the web, with no email, waits for its YES:
# keyword argument contact_point_id.
phone_confirmation_wanted = Signal()
