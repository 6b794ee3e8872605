"""Coordination: who does what where. Actors, networks, initiatives, liaison officers, instruments and
commitments; the who-does-what-where matrix, overlaps and gaps."""
