"""AWS Glue job script: point a Glue (Python shell) job here, with the glue-elt wheel installed.

Every job parameter (``--config_path``, ``--error_output_path``, ...) is passed through unchanged.
"""

from glue_elt import RedshiftCrossAccountDataMigration

if __name__ == "__main__":
    RedshiftCrossAccountDataMigration().start()
