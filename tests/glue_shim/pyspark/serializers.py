"""Stand-in names imported by awsglue.dynamicframe."""


class PickleSerializer:
    """Placeholder type; never instantiated by the code under test."""


class BatchedSerializer:
    """Placeholder type; never instantiated by the code under test."""
