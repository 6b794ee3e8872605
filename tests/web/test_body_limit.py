"""Request bodies are bounded while they are read, before authentication (probe 3: an 800 MB chunked
POST without a token took the server from 437 MB to 2.7 GB before its 401)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from palermo.auth import audit
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.web.errors import scope_response
from palermo.web.security import BodyLimit
from tests.conftest import make_settings
from tests.web.conftest import LiveServer, serve, two_org_world
from tests.web_helpers import client_for

MIB = 2**20


@pytest.fixture
def small_limit_server(sqlite_db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    two_org_world(sqlite_db)
    yield from serve(make_settings(tmp_path, sqlite_db, max_body_mib=1, max_upload_mib=3), sqlite_db)


def _chunked_post(url: str, path: str, total_mib: int) -> tuple[int, int]:
    """POST a chunked body of up to ``total_mib`` MiB; stop sending once the server answers.
    Returns (status, bytes sent)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n".encode())
    chunk = b"[" + b"1," * (32 * 1024 - 1)
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent, answer = 0, b""
    sock.setblocking(False)
    deadline = time.monotonic() + 60
    while sent < total_mib * MIB and time.monotonic() < deadline:
        try:
            answer += sock.recv(65536)
        except BlockingIOError:
            pass
        except OSError:
            break
        if answer:
            break
        try:
            sock.send(frame)
            sent += len(chunk)
        except BlockingIOError:
            time.sleep(0.001)  # the server is not reading: flow control holds us back
        except OSError:
            break
    sock.setblocking(True)
    sock.settimeout(10)
    while b"\r\n" not in answer:
        try:
            data = sock.recv(65536)
        except OSError:
            break
        if not data:
            break
        answer += data
    sock.close()
    return int(answer.split(b" ")[1]) if answer.startswith(b"HTTP/1.1") else 0, sent


def test_a_chunked_body_is_cut_at_the_limit_before_authentication(small_limit_server: LiveServer) -> None:
    status, sent = _chunked_post(small_limit_server.url, "/api/v1/statistics/observations", total_mib=400)
    assert status == 413
    # The server stopped reading at 1 MiB: what was sent beyond is only what the sockets buffer.
    assert sent < 16 * MIB, f"{sent / MIB:.0f} MiB were accepted"
    with small_limit_server.db.session(write=False) as s:
        refused = audit.entries(s, Principal.system(), action="request.refused")
    assert refused and "1 MiB" in refused[0].details and refused[0].actor == "anonymous"


def test_declared_lengths_and_upload_paths(small_limit_server: LiveServer) -> None:
    import httpx

    big = b"x" * (2 * MIB)
    r = httpx.post(small_limit_server.url + "/api/v1/statistics/observations", content=big,
                   headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "body_too_large" and "1 MiB" in r.json()["message"]
    # An upload endpoint accepts more (here up to 3 MiB): the 2 MiB body reaches authentication (401).
    up = httpx.post(small_limit_server.url + "/api/v1/statistics/import", files={"file": ("a.csv", big)},
                    data={"fmt": "csv"})
    assert up.status_code == 401
    assert httpx.post(small_limit_server.url + "/api/v1/statistics/import",
                      files={"file": ("a.csv", big * 2)}, data={"fmt": "csv"}).status_code == 413


def test_the_app_never_receives_more_than_the_limit() -> None:
    received: list[int] = []

    async def app(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def]
        total = 0
        try:
            while True:
                message = await receive()
                total += len(message.get("body", b""))
                if not message.get("more_body"):
                    break
        finally:
            received.append(total)
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b"app answer"})

    sent: list[dict] = []
    messages = iter([{"type": "http.request", "body": b"x" * 65536, "more_body": True}] * 10_000)

    async def receive() -> dict:
        return next(messages)

    async def send(message: dict) -> None:
        sent.append(message)

    limited = BodyLimit(app, limit_bytes=MIB, upload_limit_bytes=2 * MIB, upload_paths=(),  # type: ignore[arg-type]
                        respond=scope_response)
    asyncio.run(limited({"type": "http", "path": "/x", "method": "POST", "headers": []}, receive, send))
    assert received == [MIB]  # 16 chunks of 64 KiB, then reading stopped
    assert sent[0]["status"] == 413 and b"app answer" not in b"".join(m.get("body", b"") for m in sent)


def test_small_bodies_pass(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world, max_body_mib=1), world)
    r = c.post("/api/v1/statistics/observations", json={"source": {}, "observations": []})
    assert r.status_code == 401
