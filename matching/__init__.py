"""Pairing registrants who chose the interactive discussion, per course."""
