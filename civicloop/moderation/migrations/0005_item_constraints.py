# One pending case per item and one report per person and item, by (kind, content_id); the idea- and
# comment-based constraints they replace go only once they are in place.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("moderation", "0004_item_columns_fill")]

    operations = [
        migrations.AddIndex(
            model_name="moderationcase",
            index=models.Index(fields=["kind", "content_id"], name="moderation_case_item_idx"),
        ),
        migrations.AddConstraint(
            model_name="moderationcase",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state__in", ["open", "appealed"])),
                fields=("kind", "content_id"),
                name="moderation_one_pending_case_per_item",
            ),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.UniqueConstraint(
                fields=("reporter", "kind", "content_id"), name="moderation_report_once_per_person"
            ),
        ),
        migrations.RemoveConstraint(model_name="moderationcase", name="moderation_one_pending_case_per_idea"),
        migrations.RemoveConstraint(model_name="moderationcase", name="moderation_one_pending_case_per_comment"),
        migrations.RemoveConstraint(model_name="report", name="moderation_report_idea_once_per_person"),
        migrations.RemoveConstraint(model_name="report", name="moderation_report_comment_once_per_person"),
    ]
