"""Importers: every one atomic (all rows or none) and reporting every rejected row with its line and reason.

Formats: UNODC GLOTIP country tables (CSV/XLSX), IOM CTDC victim-level files (aggregated to counts),
Eurostat crim_thb TSV, SDMX-CSV and SDMX-ML (through sdmx1), and any CSV/XLSX with a small YAML
mapping file. All go through :func:`store_frame_report`, which validates, aggregates and checks
totals on a Polars frame (vectorised: a million rows in seconds) and inserts through
:func:`palermo.statistics.ingest.store_frame`.

One module per format (``glotip``, ``ctdc``, ``eurostat``, ``sdmx``, ``mapped``), the shared pipeline
(``pipeline``) and the entry point that picks the importer by format (``dispatch``).
"""

from palermo.statistics.importers.ctdc import import_ctdc
from palermo.statistics.importers.dispatch import FORMATS, import_file
from palermo.statistics.importers.eurostat import import_eurostat_tsv
from palermo.statistics.importers.glotip import import_glotip
from palermo.statistics.importers.mapped import (
           import_mapped,
           load_mapping,
           parse_mapping,
           source_spec,
)
from palermo.statistics.importers.pipeline import (
           ImportReport,
           store,
           store_frame_report,
)
from palermo.statistics.importers.sdmx import import_sdmx_csv, import_sdmx_ml

__all__ = ["FORMATS", "ImportReport", "import_ctdc", "import_eurostat_tsv", "import_file", "import_glotip",
           "import_mapped", "import_sdmx_csv", "import_sdmx_ml", "load_mapping", "parse_mapping", "source_spec",
           "store", "store_frame_report"]
