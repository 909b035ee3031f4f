"""``python -m glue_elt.steps.redshift_sql``: run ``RedshiftSqlStep`` as a job (``--help`` lists its parameters)."""

# The class comes from its importable module, so its logger is named after that module, not __main__.
from glue_elt.steps.redshift_sql.step import RedshiftSqlStep

if __name__ == "__main__":
    RedshiftSqlStep().start()
