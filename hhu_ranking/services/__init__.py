"""Decisions and transactions. Views call these; these call models and the maths."""
