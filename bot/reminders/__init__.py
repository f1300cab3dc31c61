"""Reminders: which messages are due when, for whom, and how they read."""
