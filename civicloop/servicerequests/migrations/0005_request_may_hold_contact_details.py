"""ServiceRequest.may_hold_contact_details, kept by the database itself (triggers), so that no write
path (a service, a bulk update, raw SQL, a loader) can leave a row marked clean whose text changed.

True when the description, status notes or address has an "@", a plus sign, any character outside
printable ASCII and line breaks (other scripts' digits, the full-width plus) or seven digits or x's: a
superset of what core.text.contact_details_mask can change. Open data publishes the other rows' text as it is.
"""

from django.db import migrations, models

TABLE = "servicerequests_servicerequest"
TEXTS = ("description", "status_notes", "address")

SQLITE_TEST = (
    "({text} GLOB '*[@+]*' OR {text} GLOB '*[^ -~' || char(9, 10, 13) || ']*' "
    "OR {text} GLOB '*[0-9xX]*[0-9xX]*[0-9xX]*[0-9xX]*[0-9xX]*[0-9xX]*[0-9xX]*')"
)
POSTGRES_TEST = "({text} ~ ('[@+]|[^ -~' || chr(9) || chr(10) || chr(13) || ']|([0-9xX][^0-9xX]*){{7}}'))"


def _flag(test: str, row: str) -> str:
    return "(" + " OR ".join(test.format(text=f"{row}{name}") for name in TEXTS) + ")"


def _sqlite_forward() -> list[str]:
    flag = _flag(SQLITE_TEST, "NEW.")
    update = f"UPDATE {TABLE} SET may_hold_contact_details = {flag} WHERE id = NEW.id;"
    return [
        f"CREATE TRIGGER request_contact_flag_insert AFTER INSERT ON {TABLE} BEGIN {update} END",
        f"CREATE TRIGGER request_contact_flag_update AFTER UPDATE OF {', '.join(TEXTS)}, "
        f"may_hold_contact_details ON {TABLE} BEGIN {update} END",
        f"UPDATE {TABLE} SET may_hold_contact_details = {_flag(SQLITE_TEST, '')}",
    ]


def _postgres_forward() -> list[str]:
    flag = _flag(POSTGRES_TEST, "NEW.")
    return [
        "CREATE FUNCTION request_contact_flag() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN NEW.may_hold_contact_details := {flag}; RETURN NEW; END $$",
        f"CREATE TRIGGER request_contact_flag BEFORE INSERT OR UPDATE OF {', '.join(TEXTS)}, "
        f"may_hold_contact_details ON {TABLE} FOR EACH ROW EXECUTE FUNCTION request_contact_flag()",
        f"UPDATE {TABLE} SET may_hold_contact_details = {_flag(POSTGRES_TEST, '')}",
    ]


BACKWARD = {
    "sqlite": ["DROP TRIGGER request_contact_flag_insert", "DROP TRIGGER request_contact_flag_update"],
    "postgresql": [f"DROP TRIGGER request_contact_flag ON {TABLE}", "DROP FUNCTION request_contact_flag()"],
}


def triggers_create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": _sqlite_forward, "postgresql": _postgres_forward}[vendor]()
    for statement in statements:
        schema_editor.execute(statement, params=None)


def triggers_drop(apps, schema_editor):
    for statement in BACKWARD[schema_editor.connection.vendor]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("servicerequests", "0004_request_photo_thumbnail_and_size"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="may_hold_contact_details",
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
