"""AWS Glue job script: runs a SQL script from S3 on a Redshift cluster (``RedshiftSqlStep``), with the glue-elt
wheel installed (a Glue 5.0 job, Python 3.11; see the README).

Every job parameter (``--sql_path``, ``--secret_name``, ...) is passed through unchanged.
"""

from glue_elt import RedshiftSqlStep

if __name__ == "__main__":
    RedshiftSqlStep().start()
