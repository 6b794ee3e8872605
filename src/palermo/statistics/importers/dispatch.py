"""One entry point for the CLI, the API and the web form: the format names the importer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.errors import NextStep, ValidationError
from palermo.messages import N_
from palermo.statistics import publication
from palermo.statistics.importers.ctdc import import_ctdc
from palermo.statistics.importers.eurostat import import_eurostat_tsv
from palermo.statistics.importers.glotip import import_glotip
from palermo.statistics.importers.mapped import import_mapped, source_spec
from palermo.statistics.importers.pipeline import ImportReport, Progress
from palermo.statistics.importers.sdmx import import_sdmx_csv, import_sdmx_ml, is_xml

FORMATS = ("csv", "xlsx", "eurostat", "unodc", "ctdc", "sdmx")


def import_file(session: Session, principal: Principal, path: Path, fmt: str, *, mapping: dict[str, Any] | None = None,
                source: str | None = None, vintage: str | None = None, progress: Progress | None = None,
                public: bool | None = None, mappings_dir: Path | None = None) -> ImportReport:
    """One entry point for the CLI, the API and the web form: the format decides the importer. ``public``
    marks the source published (True) or internal (False); None keeps it (new sources: internal).
    ``mappings_dir`` is the folder of edited category maps (``Settings.mappings_dir``)."""
    before = publication.snapshot(session)
    report = _import_file(session, principal, path, fmt, mapping=mapping, source=source, vintage=vintage, progress=progress,
                          mappings_dir=mappings_dir)
    report.public = publication.settle_after_import(session, principal, report.source_key, report.vintage, public, before)
    return report


def _import_file(session: Session, principal: Principal, path: Path, fmt: str, *, mapping: dict[str, Any] | None = None,
                 source: str | None = None, vintage: str | None = None, progress: Progress | None = None,
                 mappings_dir: Path | None = None) -> ImportReport:
    if fmt == "unodc":
        return import_glotip(session, principal, path, key=source or "unodc-glotip", vintage=vintage, progress=progress,
                             mappings_dir=mappings_dir)
    if fmt == "ctdc":
        return import_ctdc(session, principal, path, key=source or "iom-ctdc", progress=progress, mappings_dir=mappings_dir)
    if fmt == "eurostat":
        return import_eurostat_tsv(session, principal, path, key=source or "eurostat-crim-thb", progress=progress,
                                   mappings_dir=mappings_dir)
    if fmt not in FORMATS:
        raise ValidationError(N_("format {fmt!r} unknown; use one of {formats}", fmt=fmt, formats=', '.join(FORMATS)))
    if mapping is None:
        raise ValidationError(N_("a mapping file is needed for {fmt} files (for sdmx: its 'source' section describes "
                                 "the source)",
                                 fmt=fmt), next_step=NextStep("mapping_format"))
    mapping = {**mapping, "source": {**mapping["source"], **({"key": source} if source else {})}}
    if fmt in ("csv", "xlsx"):
        return import_mapped(session, principal, path, mapping, progress=progress)
    spec = source_spec(mapping["source"])
    return (import_sdmx_ml if is_xml(path) else import_sdmx_csv)(session, principal, path, source=spec, progress=progress,
                                                                  mappings_dir=mappings_dir)
