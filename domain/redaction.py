"""Keeping secrets out of messages: drivers and platforms echo connection strings and passwords in errors.

Redaction is by field, never by substring: the value of a secret-named field (`password=…`, `"token": "…"`,
`PWD=…;`) and the password of a URL (`scheme://user:…@host`) are masked wherever a message carries them. A secret's
value is never searched for inside words: with the password `p`, "port" must stay "port" (masking it would both
garble the message and reveal the password). Only a long secret standing alone as a token is masked by value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

MASK = "***"
#: Field names whose values are secrets, in the spellings drivers use in connection strings and errors.
SECRET_NAMES = (r"password|passwd|pwd|secret|client_?secret|token|access_?token|refresh_?token|api_?key"
                r"|private_?key|passphrase|private_?key_?passphrase")
_FIELD = re.compile(
    rf"""(?ix)
    (?P<key>["']?\b(?:{SECRET_NAMES})["']?\s*[=:]\s*)
    (?P<value>"[^"]*"|'[^']*'|[^\s;&,)}}]+)
    """
)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<password>[^@\s/]+)(?P<at>@)", re.I)
#: A secret at least this long is also masked where it stands alone as a whole token.
MIN_TOKEN_SECRET = 12


def redact(text: str, secrets: Iterable[object] = ()) -> str:
    """The text with secret fields, URL passwords and long stand-alone secret tokens masked."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['at']}", text)
    text = _FIELD.sub(lambda m: f"{m['key']}{MASK}", text)
    for secret in secrets:
        value = str(secret) if secret is not None else ""
        if len(value) >= MIN_TOKEN_SECRET:
            text = re.sub(rf"(?<![\w]){re.escape(value)}(?![\w])", MASK, text)
    return text


def split_url_password(url: str) -> tuple[str, str | None]:
    """A connection URL without its password (`scheme://user@host…`) and the password (None: it had none)."""
    found = _URL_PASSWORD.search(url)
    if found is None:
        return url, None
    return url[:found.start("password") - 1] + url[found.end("password"):], unquote(found["password"])
