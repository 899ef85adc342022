import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicloop.settings")
application = get_wsgi_application()
# The app's start-up objects (modules, settings, the URL map) live as long as the process: moved out of
# the collector's reach, a full collection pauses a worker ~9 ms instead of ~50 ms (docs/benchmarks.md).
gc.freeze()
