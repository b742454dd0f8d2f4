"""The ``grader`` command's subcommands, one module per area."""
