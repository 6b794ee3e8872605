"""Every CLI command, given broken input, ends in a clear message: never a traceback (issue 22, probe 10).

Each command runs with every argument and required option given a broken value: files of junk under
several names (CSV, workbook, Parquet, YAML, zip), words where identifiers are expected. `link submit`
and `link hits` talk to a local server that answers HTML. Commands that serve or rebuild everything
(`serve`, `demo`) are left out."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from palermo.cli import app
from palermo.db import Database
from tests.test_docs import COMMANDS

runner = CliRunner()
SKIPPED = {"palermo serve", "palermo demo"}
JUNK = {
    "junk.csv": b"\x00\xff\xfe garbage\nnot,a,table\n1",
    "junk.xlsx": b"Iso3_code,Indicator\nNLD,x\n",  # a CSV named like a workbook
    "junk.parquet": b"PAR1 this is not parquet PAR1",
    "junk.yaml": b"maps:\n  sex: {a: b\n  x: [1,\n",
    "junk.zip": b"PK\x03\x04 not a zip",
    "junk.json": b"{\"unterminated\": [1, 2",
}


class _Html(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        body = b"<!doctype html><html><body>Welcome to our intranet</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def html_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


# Typer vendors its own click: parameters are told apart by their declared kind, not by class.
def _value(param: Any, junk: Path, url: str) -> list[str]:
    name = (param.name or "").lower()
    kind = str(param.type_descriptor.annotation)
    if name == "url":
        return [url]
    if name == "token":
        return ["not-a-token"]
    if "Path" in kind or name in ("file", "files", "path", "persons", "output", "mapping", "backup_file"):
        return [str(junk)] * (2 if param.nargs == -1 else 1)
    if "int" in kind or "float" in kind:
        return ["7"]
    return ["?bogus value?"]


def _args(command: Any, junk: Path, url: str) -> list[str]:
    args: list[str] = []
    for param in command.params:
        if param.param_type_name == "argument":
            args += _value(param, junk, url)
        elif param.param_type_name == "option" and (param.required or param.name in ("url", "token", "mapping")):
            if param.is_flag:
                continue
            args += [param.opts[0], *_value(param, junk, url)]
    return args


CASES = [(path, cmd) for path, cmd in COMMANDS if path not in SKIPPED]


@pytest.mark.parametrize(("path", "command"), CASES, ids=[p for p, _ in CASES])
def test_broken_input_gives_a_message_not_a_traceback(path: str, command: Any, sqlite_db: Database,
                                                      tmp_path: Path, html_url: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALERMO_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PALERMO_DATA_DIR", str(tmp_path / "data"))
    for name, content in JUNK.items():
        junk = tmp_path / name
        junk.write_bytes(content)
        args = path.split()[1:] + _args(command, junk, html_url)
        result = runner.invoke(app, args, input="x\nx\n")
        unexpected = result.exception is not None and not isinstance(result.exception, SystemExit)
        assert not unexpected, f"`palermo {' '.join(args)}` raised {result.exception!r}\n{result.output}"
        assert "Traceback" not in result.output, result.output
        if result.exit_code not in (0, 1, 2):
            pytest.fail(f"{args}: exit code {result.exit_code}")


def test_link_submit_and_hits_against_html_say_what_is_wrong(tmp_path: Path, html_url: str) -> None:
    f = tmp_path / "e.parquet"
    f.write_bytes(b"x")
    for args in (["link", "submit", str(f), "--label", "x", "--purpose", "investigation", "--url", html_url,
                  "--token", "t"], ["link", "hits", "--url", html_url, "--token", "t"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
        assert "not a Palermo hub" in result.output and "--url" in result.output, result.output
