"""The service layer: each function owns its transaction (commits or rolls back)."""
