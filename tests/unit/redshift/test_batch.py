"""The ``ClientToken`` of a batch: stable for one run id, key and generation, different otherwise."""

from __future__ import annotations

from glue_elt.redshift.batch import client_token


def test_client_token_is_stable_and_differs_per_attempt() -> None:
    token = client_token("run", "k", "1")
    assert token == client_token("run", "k", "1") and len(token) == 64
    assert token != client_token("run", "k", "2") != client_token("run", "other", "1")
