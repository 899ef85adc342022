"""Backups: the database and the media files in one archive with a manifest, and their restore.

An archive is ``civicloop-backup-<UTC time>.tar.gz`` holding ``manifest.json``, the database
(``database.dump``, ``pg_dump --format=custom``, on PostgreSQL; ``database.sqlite3``, a copy made with
SQLite's online backup API, on SQLite) and ``media/`` (MEDIA_ROOT). The manifest has the time, the
database vendor, the migrations applied per app and a SHA-256 of every file, so a restore refuses an
archive that is incomplete or altered, from another engine, or from newer code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from civicloop.records.errors import BackupInvalid, RestoreRefused

MANIFEST = "manifest.json"
MEDIA_DIR = "media"
FORMAT_VERSION = 1
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1 << 20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _media_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for directory, _dirs, files in os.walk(root):
        for name in sorted(files):
            yield Path(directory) / name


def _migrations_applied() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def _vendor() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise RestoreRefused(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def _pg_arguments(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump / pg_restore; the password goes in the environment only."""
    arguments = [f"--dbname={settings_dict['NAME']}"]
    if settings_dict.get("HOST"):
        arguments.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        arguments.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        arguments.append(f"--username={settings_dict['USER']}")
    environment = {**os.environ}
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    if (settings_dict.get("OPTIONS") or {}).get("sslmode"):
        environment["PGSSLMODE"] = str(settings_dict["OPTIONS"]["sslmode"])
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    # The command line holds no password (PGPASSWORD is in the environment), so it may be shown.
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RestoreRefused(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _database_dump(target: Path) -> None:
    if connection.vendor == "postgresql":
        arguments, environment = _pg_arguments(connection.settings_dict)
        _run(
            [
                shutil.which("pg_dump") or "pg_dump",
                "--format=custom",
                "--no-password",
                f"--file={target}",
                *arguments,
            ],
            environment,
        )
        return
    connection.ensure_connection()
    source = connection.connection
    copy = sqlite3.connect(target)
    try:
        # The online backup API: a consistent copy even while the web server and worker write.
        source.backup(copy)
    finally:
        copy.close()


@dataclass(frozen=True)
class BackupResult:
    archive: Path
    media_files: int
    bytes: int


def backup_create(directory: Path | str, *, now: datetime | None = None) -> BackupResult:
    """Write one archive of the database and media into `directory`; it appears whole or not at all."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    moment = (now or timezone.now()).astimezone(UTC)
    vendor = _vendor()
    archive = folder / f"civicloop-backup-{moment:%Y%m%dT%H%M%SZ}.tar.gz"
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".backup-") as work:
        database = Path(work) / DATABASE_FILES[vendor]
        _database_dump(database)
        media = {str(path.relative_to(media_root)): path for path in _media_files(media_root)}
        files = {DATABASE_FILES[vendor]: _sha256(database)}
        files.update({f"{MEDIA_DIR}/{name}": _sha256(path) for name, path in media.items()})
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": moment.isoformat(),
            "database_vendor": vendor,
            "migrations": _migrations_applied(),
            "files": files,
        }
        partial = Path(work) / archive.name
        with tarfile.open(partial, "w:gz") as tar:
            manifest_path = Path(work) / MANIFEST
            manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
            tar.add(manifest_path, arcname=MANIFEST)
            tar.add(database, arcname=DATABASE_FILES[vendor])
            for name, path in media.items():
                tar.add(path, arcname=f"{MEDIA_DIR}/{name}", recursive=False)
        os.replace(partial, archive)
    return BackupResult(archive=archive, media_files=len(media), bytes=archive.stat().st_size)


# --------------------------------------------------------------------------------------------- restore


def _extract(archive: Path, into: Path) -> dict[str, Any]:
    """Unpack a backup after checking each member is a plain file inside it; the manifest, checked."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            for member in members:
                name = Path(member.name)
                if not member.isfile() or name.is_absolute() or ".." in name.parts:
                    raise BackupInvalid(f"Unexpected entry in the archive: {member.name!r}.")
            for member in members:
                target = into / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                with source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupInvalid(f"Not a readable backup archive: {error}") from error
    try:
        manifest: dict[str, Any] = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupInvalid("The archive has no readable manifest.") from error
    if manifest.get("format") != FORMAT_VERSION or not isinstance(manifest.get("files"), dict):
        raise BackupInvalid("The manifest is not one this version of civicloop writes.")
    listed = set(manifest["files"])
    present = {str(path.relative_to(into)) for path in into.rglob("*") if path.is_file()} - {MANIFEST}
    if listed != present:
        raise BackupInvalid(
            f"The archive's files differ from its manifest: {len(listed - present)} missing, "
            f"{len(present - listed)} not listed."
        )
    altered = sorted(name for name, digest in manifest["files"].items() if _sha256(into / name) != digest)
    if altered:
        raise BackupInvalid(f"Checksum mismatch (altered or damaged): {', '.join(altered[:5])}.")
    return manifest


def _database_has_data() -> bool:
    """Whether any of the project's own tables has a row (a fresh, migrated database has none)."""
    tables = set(connection.introspection.table_names())
    for model in apps.get_models():
        ours = model.__module__.startswith("civicloop.") and model._meta.db_table in tables
        if ours and model._default_manager.using(connection.alias).exists():
            return True
    return False


def _newer_migrations(manifest: dict[str, Any]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return sorted(
        f"{app}.{name}"
        for app, names in manifest.get("migrations", {}).items()
        for name in names
        if (app, name) not in known
    )


def _migrations_beyond(manifest: dict[str, Any]) -> list[str]:
    """Migrations this database has that the archive lacks (their tables would outlive the restore)."""
    if "django_migrations" not in connection.introspection.table_names():
        return []
    archived = {(app, name) for app, names in manifest.get("migrations", {}).items() for name in names}
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied if (app, name) not in archived)


def _database_restore(vendor: str, source: Path) -> None:
    settings_dict = dict(connection.settings_dict)
    # Our own open connection would hold locks the restore needs (and see stale pages on SQLite).
    connections.close_all()
    if vendor == "postgresql":
        arguments, environment = _pg_arguments(settings_dict)
        _run(
            [
                shutil.which("pg_restore") or "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-password",
                "--single-transaction",
                "--exit-on-error",
                *arguments,
                str(source),
            ],
            environment,
        )
        return
    backup = sqlite3.connect(source)
    target = sqlite3.connect(
        settings_dict["NAME"], timeout=float(settings_dict.get("OPTIONS", {}).get("timeout", 20))
    )
    try:
        # Page by page into the live file, under SQLite's own locking: other connections see before or after.
        backup.backup(target)
    finally:
        target.close()
        backup.close()


def _media_restore(extracted: Path) -> int:
    """Make MEDIA_ROOT hold exactly the archive's media: its files written, files it lacks removed."""
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    wanted: set[Path] = set()
    for path in _media_files(extracted):
        relative = path.relative_to(extracted)
        wanted.add(relative)
        target = media_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(path, partial)
        os.replace(partial, target)
    for path in list(_media_files(media_root)):
        if path.relative_to(media_root) not in wanted:
            path.unlink()
    return len(wanted)


@dataclass(frozen=True)
class RestoreResult:
    created_at: str
    vendor: str
    media_files: int


def backup_restore(archive: Path | str, *, force: bool = False) -> RestoreResult:
    """Restore the database and media from an archive made by `backup_create`.

    Refused (RestoreRefused, nothing changed) for another database engine, for an archive with
    migrations this code does not have, on PostgreSQL for a database with migrations the archive
    lacks (restore into a new database, then migrate), and, unless `force`, when the database already
    has data or MEDIA_ROOT has files. Raises BackupInvalid for a damaged or altered archive.
    """
    path = Path(archive)
    if not path.is_file():
        raise BackupInvalid(f"No archive at {path}.")
    vendor = _vendor()
    with tempfile.TemporaryDirectory(prefix="civicloop-restore-") as work:
        extracted = Path(work)
        manifest = _extract(path, extracted)
        if manifest.get("database_vendor") != vendor:
            raise RestoreRefused(
                f"The archive is a {manifest.get('database_vendor')} backup; this database is {vendor}."
            )
        if DATABASE_FILES[vendor] not in manifest["files"]:
            raise BackupInvalid("The archive has no database.")
        newer = _newer_migrations(manifest)
        if newer:
            raise RestoreRefused(
                f"The archive was made by newer code (migrations unknown here: {', '.join(newer[:5])}); "
                "install that version first."
            )
        beyond = _migrations_beyond(manifest) if vendor == "postgresql" else []
        if beyond:
            # pg_restore --clean drops only what the dump holds: newer tables would stay, half-migrated.
            raise RestoreRefused(
                f"This database has migrations the archive lacks ({', '.join(beyond[:5])}): restore into "
                "a newly created, empty database, then run `civicloop migrate`."
            )
        if not force:
            if _database_has_data():
                raise RestoreRefused("The database already has data: restore with --force to replace it.")
            if any(True for _file in _media_files(Path(settings.MEDIA_ROOT))):
                raise RestoreRefused("MEDIA_ROOT already has files: restore with --force to replace them.")
        _database_restore(vendor, extracted / DATABASE_FILES[vendor])
        media_files = _media_restore(extracted / MEDIA_DIR)
    return RestoreResult(
        created_at=str(manifest.get("created_at", "")), vendor=vendor, media_files=media_files
    )
