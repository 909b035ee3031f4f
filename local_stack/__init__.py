"""Local stand-ins for Amazon Redshift (PostgreSQL behind PgBouncer) and AWS APIs (moto).

For local demos and integration tests only; not part of the shipped wheel.
"""

from local_stack.procs import StackError
from local_stack.stack import LocalStack, StackEndpoints

__all__ = ["LocalStack", "StackEndpoints", "StackError"]
