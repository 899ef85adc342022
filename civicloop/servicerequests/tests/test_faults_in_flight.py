"""A 311 POST and an idea post in flight when PostgreSQL restarts: stored once, whole, or refused.

Open311 clients POST /open311/v2/requests.json to a production server (granian, civicloop.settings)
and a resident's ideas are posted through the same service the idea form calls, continuously, while
the database is restarted twice (`pg_ctl restart -m fast`: every connection is cut mid-request).
Afterwards each answer is checked against the database:

- every 2xx request is stored exactly once, with its "opened" status change and its requester's
  follower row (nothing half-written), and every idea that was posted has its status change and, when
  the civility check held it, its moderation case;
- every request or idea that was refused (5xx, a cut connection, a database error) is not stored;
- nothing is stored twice, and nothing is stored that nobody posted.

It runs on its own PostgreSQL cluster (civicloop/delivery/faults.py), so restarting it disturbs no
other test, whichever database the suite uses.
"""

import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter

import pytest

from civicloop.core.loadtest import app_serving
from civicloop.delivery.faults import PROJECT, PrivateCluster, civicloop_env, migrate, missing_tools, sql

POSTERS = 3
RESTARTS = 2
HOLD_WORD = "idiots"  # conftest.WordCivilityCheck holds ideas with it

SETUP = """
import json, django
django.setup()
from civicloop.engage.tests.conftest import make_question, make_resident, make_space
from civicloop.servicerequests.models import Service
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.services import api_client_issue, services_load
community_areas_load()
services_load()
_client, key = api_client_issue(name="faults", requests_per_minute=100000)
question = make_question(make_space())
resident = make_resident()
print(json.dumps({"key": key, "service": Service.objects.filter(active=True).values_list("code", flat=True)[0],
                  "question": question.pk, "participant": resident.pk}))
"""

# Posts ideas until stdin closes; one JSON line per attempt: {"n", "id" or null, "error"}.
IDEAS = """
import json, select, sys, django
django.setup()
from django.conf import settings
from django.core.cache import cache
from django.db import connection
settings.MODERATION_CHECK = "civicloop.engage.tests.conftest.WordCivilityCheck"
from civicloop.engage.models import Participant, Question
from civicloop.engage.selectors import Viewer
from civicloop.engage.services import idea_create
question_id, participant_id = int(sys.argv[1]), int(sys.argv[2])
n = 0
print(json.dumps({"ready": True}), flush=True)
while not select.select([sys.stdin], [], [], 0)[0]:
    n += 1
    try:
        cache.clear()  # the posting pace is not what is tested here
        participant = Participant.objects.get(pk=participant_id)
        idea = idea_create(
            question=Question.objects.select_related("space").get(pk=question_id),
            viewer=Viewer(participant=participant),
            title=f"inflight idea {n}",
            body=("Those idiots broke the bench" if n % 3 == 0 else "More benches by the lake") + f" #{n}",
        )
        print(json.dumps({"n": n, "id": idea.pk, "error": ""}), flush=True)
    except Exception as error:
        print(json.dumps({"n": n, "id": None, "error": type(error).__name__}), flush=True)
        connection.close()  # as Django does after a request: a broken connection is not reused
"""


def _post(port: int, key: str, service: str, n: int) -> tuple[int, str]:
    """One Open311 POST; (status, service_request_id) or (0, error kind) when the connection failed."""
    body = urllib.parse.urlencode(
        {
            "api_key": key,
            "service_code": service,
            "description": f"inflight request {n}",
            "lat": "41.8781",
            "long": "-87.6298",
            "email": f"resident{n}@example.org",
        }
    )
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request(
            "POST", "/open311/v2/requests.json", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        response = client.getresponse()
        payload = response.read()
    except OSError as error:
        return 0, type(error).__name__
    finally:
        client.close()
    if 200 <= response.status < 300:
        return response.status, str(json.loads(payload)[0]["service_request_id"])
    return response.status, payload[:300].decode(errors="replace")


@pytest.mark.skipif(bool(missing_tools(redis=False)), reason=missing_tools(redis=False) or "tools present")
def test_posts_in_flight_when_the_database_restarts_are_stored_once_or_refused():
    cluster = PrivateCluster()
    try:
        cluster.start()
        migrate(cluster)
        env = civicloop_env(cluster.url)
        setup = subprocess.run(
            [sys.executable, "-c", SETUP], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300
        )
        assert setup.returncode == 0, setup.stderr[-3000:]
        facts = json.loads(setup.stdout.strip().splitlines()[-1])

        answers: dict[int, tuple[int, str]] = {}
        counter = iter(range(1, 10**9))
        lock = threading.Lock()
        stop = threading.Event()

        with app_serving(server="granian", database=cluster.url, workers=1, threads=1) as server:
            port = int(server.base_url.rsplit(":", 1)[1])

            def poster() -> None:
                while not stop.is_set():
                    with lock:
                        n = next(counter)
                    answers[n] = _post(port, facts["key"], facts["service"], n)

            ideas = subprocess.Popen(
                [sys.executable, "-c", IDEAS, str(facts["question"]), str(facts["participant"])],
                cwd=PROJECT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert ideas.stdout is not None and ideas.stdin is not None
            assert json.loads(ideas.stdout.readline()) == {"ready": True}
            threads = [threading.Thread(target=poster) for _ in range(POSTERS)]
            for thread in threads:
                thread.start()
            time.sleep(3)
            for _ in range(RESTARTS):
                cluster.restart()
                time.sleep(4)  # the service comes back: posts are stored again
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            ideas.stdin.close()
            idea_lines = ideas.stdout.read().splitlines()
            ideas.wait(timeout=60)

        # --- 311 requests: what the clients were told against what is stored
        stored = Counter(
            int(description.rsplit(" ", 1)[1])
            for (description,) in sql(
                cluster.url,
                "SELECT description FROM servicerequests_servicerequest WHERE description LIKE 'inflight request %%'",
            )
        )
        ids = Counter(
            public_id
            for (public_id,) in sql(cluster.url, "SELECT public_id FROM servicerequests_servicerequest")
        )
        half = sql(
            cluster.url,
            "SELECT r.public_id, "
            "(SELECT count(*) FROM servicerequests_statuschange s WHERE s.request_id = r.id), "
            "(SELECT count(*) FROM servicerequests_follower f WHERE f.request_id = r.id) "
            "FROM servicerequests_servicerequest r",
        )
        accepted = {n: answer for n, answer in answers.items() if 200 <= answer[0] < 300}
        refused = {n: answer for n, answer in answers.items() if not 200 <= answer[0] < 300}
        # --- ideas
        attempts = [json.loads(line) for line in idea_lines if line.startswith("{")]
        posted = {a["n"]: a["id"] for a in attempts if a["id"] is not None}
        failed = {a["n"]: a["error"] for a in attempts if a["id"] is None}
        idea_rows = sql(
            cluster.url,
            "SELECT i.id, i.title, i.moderation_state, "
            "(SELECT count(*) FROM engage_ideastatuschange s WHERE s.idea_id = i.id), "
            "(SELECT count(*) FROM moderation_moderationcase c WHERE c.idea_id = i.id) "
            "FROM engage_idea i",
        )
        idea_numbers = Counter(int(title.rsplit(" ", 1)[1]) for _id, title, *_rest in idea_rows)
    finally:
        cluster.stop()

    print(
        f"\nin flight: 311 {len(accepted)} stored, {len(refused)} refused "
        f"({Counter(status for status, _ in refused.values())}); ideas {len(posted)} stored, "
        f"{len(failed)} refused ({Counter(failed.values())}); PostgreSQL restarted {RESTARTS} times; "
        f"first refusal: {min(refused.items()) if refused else None}; ideas: {attempts[:3]} .. {attempts[-3:]}"
    )
    # the restarts really hit requests in flight, and the service came back after them
    assert refused, "no 311 POST was refused: the restarts hit nothing in flight"
    assert failed, "no idea post failed: the restarts hit nothing in flight"
    assert max(accepted) > max(refused), "no 311 POST was stored after the last restart"
    assert max(posted) > max(failed), "no idea was stored after the last restart"
    # 311: every accepted request stored once and whole; nothing refused stored; nothing stored twice
    assert all(ids[public_id] == 1 for _status, public_id in accepted.values())
    assert {n: count for n, count in stored.items() if count != 1} == {}
    assert set(stored) == set(accepted), f"refused but stored: {sorted(set(stored) - set(accepted))}"
    assert [row for row in half if row[1] != 1 or row[2] != 1] == []  # its status change and follower
    # ideas: the same, with the status change and (when held) the moderation case
    assert {n: count for n, count in idea_numbers.items() if count != 1} == {}
    assert set(idea_numbers) == set(posted), f"failed but stored: {sorted(set(idea_numbers) - set(posted))}"
    assert {row[0] for row in idea_rows} == set(posted.values())
    assert [row for row in idea_rows if row[3] != 1] == []
    held = [row for row in idea_rows if row[2] == "held"]
    assert held, "no idea was held: the moderation companion was not exercised"
    assert [row for row in held if row[4] != 1] == []
