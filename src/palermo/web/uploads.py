"""Reading uploaded files with a size limit, so one oversized upload cannot exhaust the server's memory."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path, PurePath
from typing import Any

from fastapi import UploadFile

from palermo.errors import PalermoError, ValidationError
from palermo.messages import N_, Message


async def read_upload(file: UploadFile, limit_mib: int, what: str = "the file") -> bytes:
    data = await file.read(limit_mib * 2**20 + 1)
    if len(data) > limit_mib * 2**20:
        raise ValidationError(N_("upload larger than {limit_mib} MiB; split {what}", limit_mib=limit_mib, what=what))
    return data


@contextmanager
def as_file(data: bytes, filename: str | None) -> Iterator[Path]:
    """The upload as a temporary file with its original name (importers read formats from suffix and name)."""
    name = Path(filename or "upload").name or "upload"
    with tempfile.TemporaryDirectory(prefix="palermo-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            yield path
        except PalermoError as exc:
            _as_uploaded(exc, (str(path), tmp), name)
            raise


def _as_uploaded(exc: PalermoError, server: tuple[str, ...], name: str) -> None:
    """The core names files by the path it read; on the web that is the server's temporary copy, which
    means nothing to the person who uploaded it (and should not be shown): say the file's own name."""
    def fix(value: Any) -> Any:
        if isinstance(value, Message):  # a marked message keeps its msgid: the path is in its values
            return Message(value.msgid, {k: fix(str(v) if isinstance(v, PurePath) else v) for k, v in value.params.items()})
        if not isinstance(value, str):
            return value
        for text in server:
            value = value.replace(text, name)
        return value

    exc.message = fix(exc.message)
    exc.args = tuple(fix(a) for a in exc.args)
    if isinstance(exc, ValidationError):
        exc.problems = [replace(p, reason=fix(p.reason), value=fix(p.value)) for p in exc.problems]
        exc.details["problems"] = [p.to_dict() for p in exc.problems]
