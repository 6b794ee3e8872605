"""Privacy-preserving record linkage: agencies learn whether they hold the same person (hit/no-hit)
from keyed Bloom-filter encodings, without handing over personal data."""
