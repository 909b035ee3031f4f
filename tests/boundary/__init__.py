"""Boundary tests: they pin what glue-elt assumes of what it does not own, ``redshift_connector``, boto3's models, and
the stand-in's imitation of Redshift (its front door, the local Redshift APIs), so that a change there shows here
first. They run on the local stack, with the fixtures of ``tests/conftest.py``."""
