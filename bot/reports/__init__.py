"""Accountability reports: figures and the documents built from them."""
