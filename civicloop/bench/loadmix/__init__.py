"""`civicloop bench load`: simulated residents on the whole site while a large email send runs.

The demo city's content is loaded into the (throwaway) database: topics, community areas, the demo
announcements, the citywide idea forum with its ideas, the 311 services and a few hundred requests;
then N synthetic email subscribers and one citywide urgent alert (delivery/bench.py).

granian serves the app as `bench open311` does (core/loadtest.py: DEBUG off, production settings).
Each simulated resident is an asyncio task with its own keep-alive connection, its own cookie jar and
its own loopback source address (127.0.x.y: REMOTE_ADDR, which the per-address rate limits count; the
app does not trust X-Forwarded-For and nothing here changes that). A resident first signs in to the
idea forum with a magic link (the link is made here, as the email would carry it; the confirmation
page and its POST are real), then repeats, with a think time between actions, one of the weighted
ACTIONS: reading announcements, the Atom feed and the idea forum; subscribing; posting an idea or a
comment; supporting an idea; filing a 311 request by the web form; Open311 reads; a text to the SMS
webhook signed with Twilio's RequestValidator (assistant/bench.py). Forms are read from the page
(CSRF cookie and hidden token included) and posted back as a browser would, without following
redirects.

An answer of 5xx, or a connection that fails, is an error; 429 (and a 403 refusal on a POST, which is
how a support over the limit is answered) counts as "limited"; any other 4xx is "rejected".

Before the clock starts, a few more residents do every action once, untimed, on new connections, so
that each server worker has paid what is slow only the first time in a process (the civility check
embeds its examples on a worker's first post). When the timed load starts, the alert is fanned out
and `workers` email worker processes send it to the counting SMTP server (delivery/bench.py
`email_rate`), with the load's duration as their time budget.
"""

from civicloop.bench.loadmix.alert_send import SendOutcome
from civicloop.bench.loadmix.forms import FIRST, Form, FormField, form_data, form_find, forms_read
from civicloop.bench.loadmix.residents import ACTIONS, PLACES, ROUTES, SEED, Resident, RouteStats
from civicloop.bench.loadmix.run import THINK_SECONDS, run_load
from civicloop.bench.loadmix.site import STATUS_REQUESTS, Site, site_load

__all__ = [
    "ACTIONS",
    "FIRST",
    "PLACES",
    "ROUTES",
    "SEED",
    "STATUS_REQUESTS",
    "THINK_SECONDS",
    "Form",
    "FormField",
    "Resident",
    "RouteStats",
    "SendOutcome",
    "Site",
    "form_data",
    "form_find",
    "forms_read",
    "run_load",
    "site_load",
]
