"""Personal data: sealed names, what a person may see of their data, and erasure."""
