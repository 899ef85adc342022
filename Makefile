# Two commands for a newcomer: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV := .venv-uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run demo test test-fast test-browser lint check bench bench-open311 bench-forums bench-sms messages clean

$(UV):
	$(PYTHON) -m venv .venv-uv
	.venv-uv/bin/pip install --quiet --disable-pip-version-check "uv>=0.9,<1"

$(BIN)/civicloop: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

install: $(BIN)/civicloop

# The demo's own settings, so that `.venv/bin/civicloop <command>` works without typing DEBUG=1.
# Written once; an existing .env (yours) is left alone.
.env:
	@printf '%s\n' "# Written by make run for the local demo (see .env.example). Not for production." \
	  "DEBUG=1" "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  "EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend" \
	  "# The demo's admins and moderators sign in with their password alone; remove this line to require" \
	  "# an authenticator app's code from them, as production does." "STAFF_2FA_REQUIRED_ROLES=" > $@
	@echo "Wrote .env for the demo (DEBUG=1, a generated SECRET_KEY, two-factor sign-in off)."

demo: install .env
	DEBUG=1 $(BIN)/civicloop migrate --noinput
	DEBUG=1 $(BIN)/civicloop demo

# The demo city: web server and task worker together; Ctrl-C stops both.
# Demo sends go nowhere real: emails are written to var/sent-email/, texts are printed (numbers masked),
# social posts to networks without an account are written to var/social/.
# The demo's made-up accounts and webhook secrets, for /staff/demo/resident-message/ (never real ones).
DEMO_NETWORKS := DEMO_RESIDENT_MESSAGES=1 TWILIO_AUTH_TOKEN=demo-twilio-token META_APP_SECRET=demo-meta-secret \
	META_VERIFY_TOKEN=demo-verify-token FACEBOOK_PAGE_ID=100000000000001 INSTAGRAM_ACCOUNT_ID=17841400000000001 \
	X_CONSUMER_SECRET=demo-x-secret X_USER_ID=1500000000000000001
DEMO_ENV := DEBUG=1 EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH=var/sent-email \
	SOCIAL_FILE_DIR=var/social $(DEMO_NETWORKS)

run: demo
	@echo "civicloop demo city: http://$(HOST):$(PORT)/  (staff console: http://$(HOST):$(PORT)/staff/)"
	@echo "Emails the demo sends are written to var/sent-email/, social posts to var/social/; text messages are printed here."
	@trap 'kill 0' EXIT INT TERM; \
	$(DEMO_ENV) $(BIN)/civicloop worker & \
	$(DEMO_ENV) $(BIN)/civicloop runserver --noreload $(HOST):$(PORT)

# In parallel, one worker per CPU (pytest-xdist); a file's tests stay together (their fixtures are shared).
TEST_WORKERS ?= auto
test: install
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

# lint-imports checks the layers between apps ([tool.importlinter] in pyproject.toml); no cache folder in the tree.
lint: install
	$(BIN)/ruff check civicloop
	$(BIN)/ruff format --check civicloop
	$(BIN)/mypy civicloop
	$(BIN)/lint-imports --no-cache

check: lint test
	DEBUG=1 $(BIN)/civicloop makemigrations --check --dry-run
	DEBUG=1 $(BIN)/civicloop check

messages: install
	cd civicloop && DEBUG=1 ../$(BIN)/civicloop makemessages -l es -l pl -l zh_Hans -l hi -l ar --no-obsolete && DEBUG=1 ../$(BIN)/civicloop compilemessages

bench: install
	DEBUG=1 $(BIN)/civicloop bench pages

# 1,000,000 service requests served by granian, driven by wrk (or the built-in generator); one JSON line.
bench-open311: install
	DEBUG=1 $(BIN)/civicloop bench open311

# 100,000 ideas and 1,000,000 comments: question and idea pages, the civility check; one JSON line.
bench-forums: install
	DEBUG=1 $(BIN)/civicloop bench forums

# 6,000 signed Twilio webhooks (FAQ, keywords, STOP/START, 311 by text) at 64 connections; one JSON line.
bench-sms: install
	DEBUG=1 $(BIN)/civicloop bench sms

clean:
	rm -rf $(VENV) .venv-uv var staticfiles
