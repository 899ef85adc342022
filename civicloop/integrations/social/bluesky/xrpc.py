"""Reading a PDS's XRPC error answers: {"error": "Name", "message": "..."}."""

from typing import Any

import requests


def _xrpc_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _xrpc_error(response: requests.Response) -> str:
    """XRPC errors are {"error": "Name", "message": "..."}; the name is the code."""
    name = _xrpc_body(response).get("error")
    return name if isinstance(name, str) else ""


def _is_expired_session(response: requests.Response) -> bool:
    # A PDS answers an expired access token with 400 ExpiredToken, other unusable tokens with 401.
    return response.status_code == 401 or (
        response.status_code == 400 and _xrpc_error(response) in {"ExpiredToken", "InvalidToken"}
    )


def _says_record_exists(response: requests.Response) -> bool:
    body = _xrpc_body(response)
    name, message = str(body.get("error", "")).lower(), str(body.get("message", "")).lower()
    return response.status_code in (400, 409) and ("exist" in name or "already exists" in message)
