import io
import logging
import threading

from civicloop.integrations.sms import ConsoleSmsProvider, SmsProvider

TO = "+13125550167"


def test_the_console_provider_prints_the_message_with_the_number_masked(caplog):
    stream = io.StringIO()
    provider: SmsProvider = ConsoleSmsProvider(stream)

    with caplog.at_level(logging.DEBUG):
        result = provider.send(
            to=TO, body="Boil water advisory. https://x.example/a/1", idempotency_key="k-1"
        )

    output = stream.getvalue()
    assert "Boil water advisory. https://x.example/a/1" in output
    assert "+1312*****67" in output
    assert TO not in output and "5550167" not in output
    assert TO not in caplog.text
    assert result.status == "sent"
    assert result.provider_message_id.startswith("console-")
    assert result.provider_message_id in output
    assert "1 segment(s), GSM-7" in output


def test_the_console_provider_writes_to_stdout_by_default(capsys):
    first = ConsoleSmsProvider().send(to=TO, body="¿Hervir el agua? Sí.", idempotency_key="k-2")
    second = ConsoleSmsProvider().send(to=TO, body="again", idempotency_key="k-3")

    out = capsys.readouterr().out
    assert "¿Hervir el agua? Sí." in out and "+1312*****67" in out and TO not in out
    assert "UCS-2" in out  # í is not GSM-7
    assert first.provider_message_id != second.provider_message_id


def test_messages_from_several_threads_do_not_interleave():
    stream = io.StringIO()
    provider = ConsoleSmsProvider(stream)
    threads = [
        threading.Thread(
            target=provider.send, kwargs={"to": TO, "body": f"message {n}", "idempotency_key": str(n)}
        )
        for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    blocks = stream.getvalue().split("---\n")
    assert sum(1 for block in blocks if block.startswith("--- SMS")) == 20
    for n in range(20):
        assert f"\nmessage {n}\n" in stream.getvalue()
