"""Harmonised statistics: sources with their metadata, observations with flags, comparability by rule,
divergence explained, disclosure control, exports."""
