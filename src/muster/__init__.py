"""Muster: training records and state POST in-service compliance for law-enforcement agencies."""

__version__ = "0.1.0"
