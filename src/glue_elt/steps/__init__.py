"""Ready-to-run glue-elt steps."""
