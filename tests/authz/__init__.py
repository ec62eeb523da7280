"""The authorization test generated from the URL configuration, and its declarations.

Each module of this package (other than base and test_routes) declares the routes of one
part of Muster: `ROUTES`, a mapping of URL name to `Route`, and optionally `setup(w)`, which
creates the objects those routes reach.
"""
