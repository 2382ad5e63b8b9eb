"""Signature scoring engine (ssGSEA kernel; the scoring helper fills in the rest)."""
