"""Building blocks of the cross-account migration step (config rows, validation, SQL, execution)."""
