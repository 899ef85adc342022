# A case and a report point at their item by (kind, content_id), whatever app registered the kind;
# engage's idea and comment columns stay (its Reportable fills them), the idea's now optional.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engage", "0006_participant_pending_sign_in"),
        ("moderation", "0002_coordinated_voting_cases"),
    ]

    operations = [
        migrations.AddField(
            model_name="moderationcase",
            name="kind",
            field=models.CharField(default="", max_length=30),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="moderationcase",
            name="content_id",
            field=models.PositiveBigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="report",
            name="kind",
            field=models.CharField(default="", max_length=30),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="report",
            name="content_id",
            field=models.PositiveBigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="moderationcase",
            name="idea",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="engage.idea",
            ),
        ),
        migrations.AlterField(
            model_name="report",
            name="idea",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="engage.idea",
            ),
        ),
    ]
