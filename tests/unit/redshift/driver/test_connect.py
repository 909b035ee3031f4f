"""The keepalive options ``connect_redshift`` passes: a silent connection probes before a NAT gateway forgets it."""

from __future__ import annotations

from glue_elt.redshift.driver.connect import CONNECT_OPTIONS

NAT_IDLE_TIMEOUT_SECONDS = 350
"""AWS NAT gateways, VPC endpoints and Network Load Balancers drop a TCP flow idle this long."""


def test_the_first_probe_comes_well_before_a_nat_gateway_drops_the_flow() -> None:
    assert CONNECT_OPTIONS["tcp_keepalive"] is True
    assert 0 < CONNECT_OPTIONS["tcp_keepalive_idle"] < 300


def test_a_dead_peer_is_given_up_before_the_flow_would_be_dropped_anyway() -> None:
    idle, interval, count = (CONNECT_OPTIONS[f"tcp_keepalive_{name}"] for name in ("idle", "interval", "count"))
    assert interval > 0 and count > 1  # one lost probe does not end a connection
    assert idle + interval * count < NAT_IDLE_TIMEOUT_SECONDS
