"""The client-side copy many scripts do: read the rows into Python, write them back with executemany.

``python -m bench.client_copy <source> <target>`` with the connection in ``BENCH_*`` variables; prints
the rows copied. Used by the benchmark as the comparison for memory and time.
"""

from __future__ import annotations

import os
import sys

import redshift_connector


def main(source: str, target: str) -> int:
    conn = redshift_connector.connect(
        host=os.environ["BENCH_HOST"],
        port=int(os.environ["BENCH_PORT"]),
        database=os.environ["BENCH_DB"],
        user=os.environ["BENCH_USER"],
        password=os.environ["BENCH_PASSWORD"],
        ssl=False,
    )
    cursor = conn.cursor()
    cursor.execute(f"SELECT id, customer_id, amount, note FROM {source}")
    rows = cursor.fetchall()  # the whole table in client memory, as pandas.read_sql or fetchall do
    cursor.executemany(f"INSERT INTO {target} (id, customer_id, amount, note) VALUES (%s, %s, %s, %s)", rows)
    conn.commit()
    conn.close()
    print(len(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
