"""xAPI statements from e-learning providers, credited as training records."""
