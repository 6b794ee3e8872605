"""Reading uploaded files with a size limit, so one oversized upload cannot exhaust the server's memory."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from palermo.errors import ValidationError


async def read_upload(file: UploadFile, limit_mib: int, what: str = "the file") -> bytes:
    data = await file.read(limit_mib * 2**20 + 1)
    if len(data) > limit_mib * 2**20:
        raise ValidationError(f"upload larger than {limit_mib} MiB; split {what}")
    return data


@contextmanager
def as_file(data: bytes, filename: str | None) -> Iterator[Path]:
    """The upload as a temporary file with its original name (importers read formats from suffix and name)."""
    name = Path(filename or "upload").name or "upload"
    with tempfile.TemporaryDirectory(prefix="palermo-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        yield path
