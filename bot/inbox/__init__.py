"""The inbox: webhook events stored before they are acknowledged, then handled in order."""
