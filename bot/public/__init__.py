"""The commune's public pages, the Open311 API, and the operator's health and metrics."""
