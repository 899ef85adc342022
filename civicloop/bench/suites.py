"""The suites of `civicloop bench` and their options: a public contract (docs/benchmarks.md, the Makefile)."""

import os

from django.core.management.base import CommandParser

from civicloop.announcements import bench as announcements_bench
from civicloop.core.loadtest import SERVERS


def suites_add(parser: CommandParser) -> None:
    """One subcommand per suite, each with its options and defaults."""
    suites = parser.add_subparsers(title="suites", dest="suite", required=True)
    pages = suites.add_parser(
        "pages",
        help=f"Time /announcements/, a filtered list, a filtered feed and /events.ics "
        f"(target: median ≤ {announcements_bench.TARGET_MS:.0f} ms).",
    )
    pages.add_argument("--count", type=int, default=100_000, help="Announcements to load (default 100000).")
    pages.add_argument("--repeat", type=int, default=20, help="Timed requests per page (default 20).")
    faults = suites.add_parser(
        "faults",
        help="Send one alert by email and SMS on a private PostgreSQL, Redis and RQ workers while "
        "killing workers ten times, restarting PostgreSQL, stopping Redis and failing the providers; "
        "prints one JSON line.",
    )
    faults.add_argument("--long", action="store_true", help="10,000 residents, Redis down 30 s.")
    faults.add_argument("--subscribers", type=int, default=0, help="Residents (default: the variant's).")
    fanout = suites.add_parser(
        "fanout",
        help="Fan one urgent alert out to N synthetic subscribers, then send email and SMS to local "
        "servers; prints one JSON line.",
    )
    fanout.add_argument("--subscribers", type=int, default=1_000_000, help="Synthetic subscribers.")
    fanout.add_argument(
        "--naive", action="store_true", help="Fan out with a Python loop of INSERTs, for comparison."
    )
    fanout.add_argument(
        "--send-seconds", type=float, default=10.0, help="Seconds of sending per channel (0 to skip)."
    )
    fanout.add_argument(
        "--email-workers", type=int, default=1, help="Worker processes sending email at once (default 1)."
    )
    fanout.add_argument(
        "--smtp-server",
        choices=("counter", "aiosmtpd"),
        default="counter",
        help="Local SMTP server: a pipelining relay that counts (default) or aiosmtpd.",
    )
    open311 = suites.add_parser(
        "open311",
        help="Serve N service requests with granian (or gunicorn) and drive the Open311 reads and "
        "/healthz with a concurrent load generator; prints one JSON line.",
    )
    open311.add_argument("--count", type=int, default=1_000_000, help="Service requests to load.")
    open311.add_argument("--duration", type=int, default=10, help="Seconds of load per endpoint.")
    open311.add_argument(
        "--warmup", type=int, default=2, help="Untimed seconds of load per endpoint first (0 to skip)."
    )
    open311.add_argument("--connections", type=int, default=64, help="Concurrent connections.")
    open311.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="Turns of every endpoint, each run just after a /healthz run; medians of runs and ratios.",
    )
    open311.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="Load generator: wrk, the built-in asyncio one, or auto (wrk when on PATH).",
    )

    open311.add_argument(
        "--server",
        choices=SERVERS,
        default="granian",
        help="The production server: granian (default; its HTTP handled in Rust) or gunicorn (gthread).",
    )
    open311.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="Server processes (default: CPUs)."
    )
    # One thread: the work is CPU-bound, and threads waiting on the GIL after each SQLite call made
    # single-request reads 2-3x slower with 2 or 4 threads (docs/benchmarks.md).
    open311.add_argument(
        "--threads", type=int, default=1, help="The app's threads per worker (granian: blocking threads)."
    )
    sms = suites.add_parser(
        "sms",
        help="Serve the SMS assistant with granian and drive Twilio-signed inbound texts (FAQ questions, "
        "keywords, STOP/START, 311 reports) and /healthz; time FAQ retrieval in-process; prints one "
        "JSON line.",
    )
    sms.add_argument("--messages", type=int, default=6000, help="Timed texts, retries aside (default 6000).")
    sms.add_argument(
        "--phones", type=int, default=3000, help="Distinct numbers the texts come from (at most 9000)."
    )
    sms.add_argument("--connections", type=int, default=64, help="Concurrent connections.")
    sms.add_argument(
        "--warmup",
        type=int,
        default=300,
        help="Untimed texts first, from other numbers (each worker loads the model); 0 to skip.",
    )
    sms.add_argument(
        "--healthz-seconds", type=int, default=10, help="Seconds of /healthz load, for the ratio."
    )
    sms.add_argument(
        "--faq-queries", type=int, default=500, help="FAQ retrievals timed in-process (default 500)."
    )
    sms.add_argument(
        "--server", choices=SERVERS, default="granian", help="The production server (default granian)."
    )
    sms.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="Server processes (default: CPUs)."
    )
    sms.add_argument(
        "--threads", type=int, default=1, help="The app's threads per worker (granian: blocking threads)."
    )
    inbox = suites.add_parser(
        "inbox",
        help="Serve the app with granian and drive signed Meta, X and Twilio webhook events (residents' "
        "comments, messages, mentions, texts) and /healthz; then fill the staff inbox and time its list "
        "and a filtered view in-process; prints one JSON line.",
    )
    inbox.add_argument(
        "--events", type=int, default=100_000, help="Timed events, retries aside (default 100000)."
    )
    inbox.add_argument("--connections", type=int, default=64, help="Concurrent connections.")
    inbox.add_argument(
        "--warmup", type=int, default=2000, help="Untimed events first (default 2000); 0 to skip."
    )
    inbox.add_argument(
        "--healthz-seconds", type=int, default=10, help="Seconds of /healthz load, for the ratio."
    )
    inbox.add_argument(
        "--conversations", type=int, default=200_000, help="Conversations in the inbox (default 200000)."
    )
    inbox.add_argument(
        "--messages", type=int, default=1_000_000, help="Messages in those conversations (default 1000000)."
    )
    inbox.add_argument("--repeat", type=int, default=30, help="Timed requests per inbox page (default 30).")
    inbox.add_argument(
        "--server", choices=SERVERS, default="granian", help="The production server (default granian)."
    )
    inbox.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="Server processes (default: CPUs)."
    )
    inbox.add_argument(
        "--threads", type=int, default=1, help="The app's threads per worker (granian: blocking threads)."
    )
    forums = suites.add_parser(
        "forums",
        help="Load N ideas and M comments, time a question page and idea pages in-process "
        "(target: median ≤ 50 ms) and the civility check's posts/s and p99; prints one JSON line.",
    )
    forums.add_argument("--ideas", type=int, default=100_000, help="Ideas to load (default 100000).")
    forums.add_argument("--comments", type=int, default=1_000_000, help="Comments to load (default 1000000).")
    forums.add_argument("--repeat", type=int, default=20, help="Timed requests per page (default 20).")
    opinions = suites.add_parser(
        "opinions",
        help="Opinion mapping on a synthetic conversation with planted groups, built in memory (no "
        "database): time the analysis and a warm-started update after 1%% new votes; prints one "
        "JSON line.",
    )
    opinions.add_argument("--participants", type=int, default=50_000, help="Participants (default 50000).")
    opinions.add_argument("--statements", type=int, default=2000, help="Statements (default 2000).")
    opinions.add_argument("--groups", type=int, default=3, help="Planted opinion groups, 2 to 5 (default 3).")
    opinions.add_argument(
        "--votes-per-participant",
        type=float,
        default=50.0,
        help="Mean votes per participant (default 50).",
    )
    opinions.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
    opinions.add_argument(
        "--compare",
        action="store_true",
        help="Then run red-dwarf's Polis pipeline on the same votes in a child process and add its "
        'time, peak memory and ARIs as "compare" (exit 2 if red-dwarf cannot be imported).',
    )
    opinions.add_argument(
        "--compare-python",
        metavar="PATH",
        help="The interpreter with red-dwarf installed, for --compare (default: this one).",
    )
    opinions.add_argument(
        "--compare-timeout",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help='Kill red-dwarf after this long and report "timed_out_after" (default 900).',
    )

    load = suites.add_parser(
        "load",
        help="Serve the demo city with granian and drive N simulated residents (reading, subscribing, "
        "posting, supporting, 311, Open311, SMS) while one alert is fanned out and emailed to M "
        "recipients; prints one JSON line.",
    )
    load.add_argument("--residents", type=int, default=200, help="Simulated residents (default 200).")
    load.add_argument("--seconds", type=int, default=300, help="Seconds of load (default 300).")
    load.add_argument(
        "--recipients", type=int, default=100_000, help="Email recipients of the alert (default 100000)."
    )
    load.add_argument(
        "--workers", type=int, default=1, help="Email worker processes sending at once (default 1)."
    )
    load.add_argument(
        "--think-seconds",
        type=float,
        default=3.0,
        help="A resident's mean pause between actions (uniform from 0 to twice this; default 3).",
    )
    load.add_argument(
        "--server-workers", type=int, default=0, help="granian processes (default: one per CPU)."
    )

    opendata = suites.add_parser(
        "opendata",
        help="Load N service requests, export the 311 dataset in every format (a fresh process: time "
        "and peak RSS), time filtered datastore_search and /resource/ queries and the insights page; "
        "prints one JSON line.",
    )
    opendata.add_argument("--count", type=int, default=1_000_000, help="Service requests to load.")
    opendata.add_argument("--repeat", type=int, default=30, help="Timed requests per query (default 30).")
