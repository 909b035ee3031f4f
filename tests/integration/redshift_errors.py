"""Redshift's error 1023 (serializable isolation violation) raised for real on the stand-in, as a cluster sends it."""

from __future__ import annotations

REDSHIFT_1023_DETAIL = (
    "Serializable isolation violation on table - 119371, transactions forming the cycle are: 1745830, 1745762 "
    "(pid:15021)"
)
"""The detail text of a real cluster's 1023 (aws/aws-sdk-pandas#665)."""


def fail_first_insert_with_1023(schema: str, table: str) -> list[str]:
    """Statements (run as the table's owner) that make the first INSERT into ``schema.table`` fail with Redshift's
    1023 payload (SQLSTATE XX000, message ``1023``, the text in the detail), later ones pass. The sequence
    ``schema.attempts`` counts the inserts tried (``nextval`` survives the rollback)."""
    return [
        f"CREATE SEQUENCE {schema}.attempts",
        f"""CREATE FUNCTION {schema}.fail_first() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF nextval('{schema}.attempts') = 1 THEN
            RAISE EXCEPTION USING ERRCODE = 'XX000', MESSAGE = '1023', DETAIL = '{REDSHIFT_1023_DETAIL}';
          END IF;
          RETURN NULL;
        END $$""",
        f"CREATE TRIGGER fail_first AFTER INSERT ON {schema}.{table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.fail_first()",
    ]
