"""Stand-in names imported by awsglue.dynamicframe."""


class DataFrame:
    """Placeholder type; never instantiated by the code under test."""
