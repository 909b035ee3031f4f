"""Test stand-in for pyspark: only the names awsglue imports at module level."""
