"""Roll-call and element-specific training documented by supervisors (policy IV.C)."""
