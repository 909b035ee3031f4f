"""What a run tells the outside about itself besides its logs: OpenLineage run events (``lineage``, with the
dataset and job names of ``lineage_naming``). Nothing here may hold up or fail a run.
"""

__all__ = ["lineage", "lineage_naming"]
