"""``make live-check``: glue-elt's steps and the open questions of the compatibility record, asked of a real server.

Nothing in docs/redshift-compatibility.md had been run on a live cluster: this package runs a short end-to-end check
against the Redshift endpoints its environment names (``live_check.settings``), or against the local stack when none
are named, and prints a markdown report a maintainer can paste into the record. See docs/live-check.md.

Modules: ``settings`` (the environment), ``server`` (SQL and Data API calls of the check itself), ``workspace``
(what the check creates, and removes again), ``step_checks`` (both steps through their Python API),
``questions`` (the record's open questions), ``report``, ``run`` (the order of it all), ``local`` (the local stack).
"""
