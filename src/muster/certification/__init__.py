"""Requests for POST certification of a course, with the liaison's packet (policy IV.G)."""
