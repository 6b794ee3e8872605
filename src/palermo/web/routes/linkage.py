"""Web pages and JSON API of palermo.linkage."""

from __future__ import annotations

from fastapi import APIRouter

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["linkage"])
