"""Views of the training app, one module per area."""
