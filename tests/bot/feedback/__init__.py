"""Tests of citizens' feedback: catalog, deadlines, views."""
