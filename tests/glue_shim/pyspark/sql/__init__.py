"""Stand-in for pyspark.sql."""
