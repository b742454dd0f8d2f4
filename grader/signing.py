"""Model bytes signed with the app's secret key: a worker unpickles only what a worker stored.

A calibration model is a pickle, and unpickling runs code; the bytes are written only by this
program's workers, and the signature makes sure that stays true even for someone who can write
to the database but does not hold the secret key.
"""

from __future__ import annotations

import hashlib
import hmac

_DIGEST = hashlib.sha256().digest_size


def sign(data: bytes, key: str) -> bytes:
    return hmac.new(key.encode("utf-8"), data, hashlib.sha256).digest() + data


def verified(signed: bytes, key: str) -> bytes | None:
    """The data if its signature holds under ``key``, else None."""
    tag, data = signed[:_DIGEST], signed[_DIGEST:]
    expected = hmac.new(key.encode("utf-8"), data, hashlib.sha256).digest()
    return data if len(tag) == _DIGEST and hmac.compare_digest(tag, expected) else None
