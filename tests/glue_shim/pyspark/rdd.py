"""Stand-in names imported by awsglue.dynamicframe."""


class RDD:
    """Placeholder type; never instantiated by the code under test."""


class PipelinedRDD(RDD):
    """Placeholder type; never instantiated by the code under test."""
