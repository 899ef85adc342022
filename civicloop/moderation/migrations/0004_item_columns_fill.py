# Existing cases and reports are engage's: a comment's when it has one, else an idea's (two updates a
# table, set-based). Its own migration, so that PostgreSQL alters no table with the updates pending.

from django.db import migrations
from django.db.models import F


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    for name in ("ModerationCase", "Report"):
        model = apps.get_model("moderation", name)
        model.objects.filter(comment__isnull=False).update(kind="comment", content_id=F("comment_id"))
        model.objects.filter(comment__isnull=True).update(kind="idea", content_id=F("idea_id"))


class Migration(migrations.Migration):
    dependencies = [("moderation", "0003_item_columns")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
