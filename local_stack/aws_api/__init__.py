"""A local stand-in for the AWS APIs moto lacks: the Redshift Data API, Redshift Serverless credentials and Redshift's
temporary-credential calls, executing for real on the stack's PostgreSQL through PgBouncer with ``redshift_connector``.

Not shipped (``local_stack`` is test and demo tooling). One HTTP server on 127.0.0.1 (``LocalStack`` starts and stops
it with the other servers) answers three services, which unmodified boto3 reaches through the standard
service-specific endpoint variables that ``StackEndpoints.aws_env()`` and ``.stack/env`` set:

==========================================  ====================================================================
``AWS_ENDPOINT_URL_REDSHIFT_DATA``          ``redshift-data``: ExecuteStatement, BatchExecuteStatement,
                                            DescribeStatement, GetStatementResult, CancelStatement
``AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS``    ``redshift-serverless``: GetCredentials, GetWorkgroup
``AWS_ENDPOINT_URL_REDSHIFT``               ``redshift``: GetClusterCredentials, GetClusterCredentialsWithIAM,
                                            DescribeClusters
==========================================  ====================================================================

Everything else still goes to moto (``AWS_ENDPOINT_URL``). There is one cluster, ``glue-elt-local``, and one
workgroup, ``glue-elt-local``, both the stand-in database behind PgBouncer. Modules: ``server`` (HTTP, routing, the
test-only ``/_local/faults`` controls), ``data_api`` (the operations), ``statements`` (state, idempotency tokens,
retention), ``runner`` (execution), ``sql_params`` (named parameters), ``credentials`` (temporary logins, caller
identity), ``redshift_api`` (credential and discovery operations), ``process`` (the process wrapper).

What real answers look like, and where that was seen (the texts the server reproduces):

- A failed statement's ``Error`` is the server's message prefixed with its severity, extra fields on indented lines
  and no SQLSTATE: ``ERROR: user "..." already exists`` (aws/aws-cdk#15931), ``ERROR: current transaction is
  aborted, commands ignored until end of transaction block`` (awslabs/mcp#1489), and ``ERROR: function
  pg_cancel_backend(bigint) does not exist\\n  Hint: No function matches ...`` (aws/aws-sdk-js-v3#3056). Redshift's
  error 1023 through the Data API was not found in any report; by the same rule it reads ``ERROR: 1023\\n  Detail:
  Serializable isolation violation on table ...`` (the driver sees ``M`` = ``1023``, ``D`` = the text:
  aws/aws-sdk-pandas#665), so a client must recognise it by that text: there is no SQLSTATE to read.
- ``CancelStatement`` on an ended statement: ``Could not cancel a query that is already in ABORTED state with ID:
  <id>`` (aws/aws-sdk-js-v3#3056); ``GetStatementResult`` on a batch's own Id: ``BatchExecuteStatement result can
  only be retrieved with sub-statement id.`` (apache/airflow#40427); an unknown cluster: ``Redshift endpoint doesn't
  exist in this region.`` (aws/aws-cdk#30536); a secret without a user or password: ``username and password in
  secret cannot be empty`` (boto/boto3#2899). Other messages are this server's own words.
- Before a statement ends, ``DescribeStatement`` reports ``Duration``, ``ResultRows`` and ``ResultSize`` as -1 and
  ``RedshiftPid``/``RedshiftQueryId`` as 0 (awslabs/amazon-redshift-utils#515); once it started, a query id
  (increasing).
- Records: integers are ``longValue``, ``float4``/``float8`` ``doubleValue``, ``bool`` ``booleanValue`` (fixed by AWS
  in 2022: aws/aws-sdk#321), ``numeric`` a ``stringValue``, dates ``2021-06-21``, timestamps ``2021-06-21 11:28:00``,
  ``timestamptz`` ``... 10:28:00+00``, NULL ``isNull``; ``typeName`` is the lower-case type name (``int4``,
  ``varchar``, ``numeric``, ``timestamptz``...), as grafana/redshift-datasource's Data API driver reads them.

Not emulated: Data API sessions, CSV results (``GetStatementResultV2``), ``ListStatements`` and the catalog
operations, EventBridge events, result column ``schemaName``/``tableName`` (empty),
IAM policies (every caller may do everything, but the operations a test denies with the ``deny_operations`` fault),
custom domain names, several valid passwords per user (see ``credentials``), and any cluster or workgroup but the
local one.
"""
