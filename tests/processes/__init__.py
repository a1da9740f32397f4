"""Real processes: the CLI, the worker, several web processes, kills and restarts."""
