"""``python -m glue_elt.steps.redshift_cross_account_migration``: run ``RedshiftCrossAccountDataMigration`` as a job
(``--help`` lists its parameters)."""

# The class comes from its importable module, so its logger is named after that module, not __main__.
from glue_elt.steps.redshift_cross_account_migration.step import RedshiftCrossAccountDataMigration

if __name__ == "__main__":
    RedshiftCrossAccountDataMigration().start()
