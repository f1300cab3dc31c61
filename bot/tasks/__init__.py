"""Tasks: every change of state of a task, an occurrence or a request for more time."""
