"""Keyed Bloom-filter encoding of person records, run at the agency (``palermo link encode``).

Each schema field becomes its own Bloom filter: its tokens (name bigrams and consonant skeletons,
date parts, codes; made in ``palermo.linkage.tokens``) set ``hashes`` bits chosen by keyed BLAKE2b
under a key derived from the shared secret (per field when salting, so equal bigrams in different
fields set different bits). Missing values stay explicit (an empty filter and ``present = False``),
never a filter of the empty string. Keyed blocking keys let the hub group candidate pairs without
plaintext.

The package: ``dataset`` (the encodings file format), ``encoder`` (the encoder and its keys),
``batch`` (the per-column work on one batch of rows), ``columnar`` and ``names`` (dates, document numbers and
names read and tokenised column-wise), ``shares`` and ``parallel`` (the fan-out over processes).
"""

from palermo.linkage.encoding.dataset import (
    FORMAT,
    EncodedDataset,
    filter_bytes,
    read_encodings,
)
from palermo.linkage.encoding.encoder import Encoder

__all__ = ["FORMAT", "EncodedDataset", "Encoder", "filter_bytes", "read_encodings"]
