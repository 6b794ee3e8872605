"""Keys: everything is derived from the agencies' shared secret with HKDF (RFC 5869, `cryptography`).

The secret never reaches the hub. What the hub sees of it is a *fingerprint*: an HMAC over the schema
under a derived key, identical for agencies with the same secret and schema and useless for recovering
either, so the hub can refuse encodings made with another key or schema instead of matching garbage.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from palermo.errors import ValidationError
from palermo.messages import N_

MIN_SECRET_BYTES = 32


def read_secret(path: Path) -> bytes:
    try:
        raw = path.read_bytes().strip()
    except OSError as exc:
        raise ValidationError(N_("cannot read the secret file {path}: {strerror}", path=path, strerror=exc.strerror)) from None
    if len(raw) < MIN_SECRET_BYTES:
        raise ValidationError(
            N_("the secret in {path} has {n_raw} bytes; it needs at least {min_secret_bytes} random bytes. Create "
               "one with `palermo link keygen -o agency.key` and share it with the partner agencies only",
               path=path, n_raw=len(raw), min_secret_bytes=MIN_SECRET_BYTES))
    return raw


def derive(secret: bytes, purpose: str, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"palermo-linkage-v1", info=purpose.encode()).derive(secret)


def fingerprint(secret: bytes, schema_digest: str) -> str:
    """Same secret and schema ⇔ same fingerprint; reveals neither."""
    return hmac.new(derive(secret, "fingerprint"), schema_digest.encode(), hashlib.sha256).hexdigest()[:32]
