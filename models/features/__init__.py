"""Feature extractors, one module per concern; each works on an EssayDoc and keeps offsets."""
