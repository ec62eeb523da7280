"""The REST API: read what a user may read, change it through the service functions."""
