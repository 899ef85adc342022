"""Backup and restore, round trip, on the test run's own database (SQLite, or PostgreSQL in CI).

The restore writes into the live test database: these tests use real transactions
(`transaction=True`), so nothing is left in a test transaction the restore would fight with, and the
database is emptied after each as usual.
"""

import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from civicloop.announcements.models import Announcement, AnnouncementTranslation
from civicloop.announcements.tests.factories import make_announcement
from civicloop.core.images import image_sanitise
from civicloop.core.tests.image_samples import phone_jpeg
from civicloop.records.backups import DATABASE_FILES, MANIFEST, backup_create, backup_restore
from civicloop.records.errors import BackupInvalid, RestoreRefused
from civicloop.records.tests.helpers import make_service
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import RequestInput, service_request_create
from civicloop.subscriptions.models import ContactPoint, Subscriber

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return Path(settings.MEDIA_ROOT)


def _city_data() -> dict[str, Any]:
    """An announcement, a 311 request with a photo in media, and a subscription."""
    announcement = make_announcement(title="Street sweeping starts April 1", publish=False)
    request = service_request_create(
        data=RequestInput(
            service_code=make_service().code,
            address="121 N LaSalle St",
            description="Rats in the alley behind the building",
            email="ana@example.org",
        ),
        photo=image_sanitise(io.BytesIO(phone_jpeg())),
    )
    subscriber = Subscriber.objects.create(status=Subscriber.Status.PENDING, language="es")
    ContactPoint.objects.create(subscriber=subscriber, kind="sms", value="+13125550188")
    return {"announcement": announcement.pk, "request": request.pk, "subscriber": subscriber.pk}


def _snapshot(ids: dict[str, Any]) -> dict[str, Any]:
    request = ServiceRequest.objects.get(pk=ids["request"])
    return {
        "announcement": list(
            AnnouncementTranslation.objects.filter(announcement_id=ids["announcement"])
            .order_by("language")
            .values_list("language", "title", "body_markdown")
        ),
        "request": ServiceRequest.objects.filter(pk=ids["request"])
        .values("public_id", "description", "email", "photo", "photo_thumbnail")
        .first(),
        "photo": request.photo.read(),
        "contact_points": list(
            ContactPoint.objects.filter(subscriber_id=ids["subscriber"]).values_list("kind", "value")
        ),
        "subscriber_language": Subscriber.objects.get(pk=ids["subscriber"]).language,
    }


def test_a_backup_restores_rows_and_media_exactly_after_they_were_changed(media_root: Path, tmp_path: Path):
    ids = _city_data()
    before = _snapshot(ids)
    assert before["photo"]  # a photo really is in media
    result = backup_create(tmp_path / "backups", now=datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    assert result.archive.name == "civicloop-backup-20261207T030000Z.tar.gz"
    photo_path = media_root / before["request"]["photo"]

    # Rows deleted and altered, a media file removed and a stray one added.
    AnnouncementTranslation.objects.filter(announcement_id=ids["announcement"]).update(title="Changed")
    ServiceRequest.objects.filter(pk=ids["request"]).update(description="Tampered", email="")
    Subscriber.objects.filter(pk=ids["subscriber"]).delete()
    photo_path.unlink()
    (media_root / "stray.txt").write_text("not in the backup")

    with pytest.raises(RestoreRefused, match="already has data"):
        backup_restore(result.archive)
    backup_restore(result.archive, force=True)

    assert _snapshot(ids) == before
    assert not (media_root / "stray.txt").exists()
    assert photo_path.is_file()


def test_the_manifest_records_vendor_migrations_and_a_checksum_of_every_file(
    media_root: Path, tmp_path: Path
):
    _city_data()
    archive = backup_create(tmp_path).archive
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(MANIFEST))  # type: ignore[arg-type]
        names = set(tar.getnames())
    assert manifest["database_vendor"] == connection.vendor
    assert "0001_initial" in manifest["migrations"]["records"]
    assert set(manifest["files"]) == names - {MANIFEST}
    assert DATABASE_FILES[connection.vendor] in manifest["files"]
    assert sum(name.startswith("media/requests/") for name in manifest["files"]) == 2  # photo, thumbnail


def _rewrite(archive: Path, target: Path, change: dict[str, bytes]) -> Path:
    """A copy of the archive with some members' contents replaced (the manifest left as it was)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = change.get(member.name, source.extractfile(member).read())  # type: ignore[union-attr]
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


def test_an_altered_archive_is_refused_and_nothing_changes(media_root: Path, tmp_path: Path):
    ids = _city_data()
    archive = backup_create(tmp_path).archive
    photo_name = "media/" + ServiceRequest.objects.get(pk=ids["request"]).photo.name
    altered = _rewrite(archive, tmp_path / "altered.tar.gz", {photo_name: b"not the photo"})
    Announcement.objects.filter(pk=ids["announcement"]).delete()

    with pytest.raises(BackupInvalid, match="Checksum mismatch"):
        backup_restore(altered, force=True)
    assert not Announcement.objects.filter(pk=ids["announcement"]).exists()


def test_an_archive_of_another_database_engine_is_refused(media_root: Path, tmp_path: Path):
    archive = backup_create(tmp_path).archive
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(MANIFEST))  # type: ignore[arg-type]
    manifest["database_vendor"] = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    other = _rewrite(archive, tmp_path / "other.tar.gz", {MANIFEST: json.dumps(manifest).encode()})
    with pytest.raises(RestoreRefused, match="backup; this database is"):
        backup_restore(other, force=True)


def test_an_archive_from_newer_code_is_refused(media_root: Path, tmp_path: Path):
    archive = backup_create(tmp_path).archive
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(MANIFEST))  # type: ignore[arg-type]
    manifest["migrations"]["records"].append("0099_from_the_future")
    newer = _rewrite(archive, tmp_path / "newer.tar.gz", {MANIFEST: json.dumps(manifest).encode()})
    with pytest.raises(RestoreRefused, match="newer code"):
        backup_restore(newer, force=True)


def test_the_commands_back_up_and_restore(media_root: Path, tmp_path: Path):
    ids = _city_data()
    out = io.StringIO()
    call_command("backup", str(tmp_path / "nightly"), stdout=out)
    (archive,) = (tmp_path / "nightly").glob("civicloop-backup-*.tar.gz")
    assert str(archive) in out.getvalue()
    Announcement.objects.filter(pk=ids["announcement"]).delete()

    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(archive), stdout=io.StringIO())
    call_command("restore", str(archive), "--force", stdout=io.StringIO())
    assert AnnouncementTranslation.objects.filter(
        announcement_id=ids["announcement"], title="Street sweeping starts April 1"
    ).exists()


def test_on_postgresql_a_database_migrated_past_the_archive_is_refused(media_root: Path, tmp_path: Path):
    """pg_restore --clean drops only what the dump has; SQLite's restore replaces the whole file."""
    archive = backup_create(tmp_path).archive
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(MANIFEST))  # type: ignore[arg-type]
    manifest["migrations"]["records"].remove("0001_initial")
    older = _rewrite(archive, tmp_path / "older.tar.gz", {MANIFEST: json.dumps(manifest).encode()})
    if connection.vendor == "postgresql":
        with pytest.raises(RestoreRefused, match=r"records\.0001_initial"):
            backup_restore(older, force=True)
    else:
        backup_restore(older, force=True)
        assert "records" in {app for app, _name in MigrationRecorder(connection).applied_migrations()}


def test_the_postgresql_password_goes_in_the_environment_never_on_the_command_line():
    from civicloop.records.backups import _pg_arguments

    arguments, environment = _pg_arguments(
        {"NAME": "civicloop", "HOST": "db", "PORT": 5432, "USER": "app", "PASSWORD": "s3cret", "OPTIONS": {}}
    )
    assert arguments == ["--dbname=civicloop", "--host=db", "--port=5432", "--username=app"]
    assert not any("s3cret" in argument for argument in arguments)
    assert environment["PGPASSWORD"] == "s3cret"
