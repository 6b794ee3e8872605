"""Palermo: an open platform for agencies countering trafficking in human beings and migrant smuggling."""

__version__ = "0.1.0"
