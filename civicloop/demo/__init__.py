"""The demo city `make run` loads (`civicloop demo`): it uses every domain app, and no app uses it."""
