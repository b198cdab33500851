"""Prometheus metrics every service exposes at `/metrics` (DESIGN.md §8).

Counters and histograms are updated where things happen (middleware, runner, relay); gauges that
need a query (outbox backlog, group lag and pending, dead letters) are refreshed per scrape.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "kesos_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
HTTP_REQUEST_SECONDS = Histogram(
    "kesos_http_request_seconds", "HTTP request latency", ["service", "method", "route"]
)
HANDLER_SECONDS = Histogram(
    "kesos_handler_seconds", "Event handler latency (inside its savepoint)", ["service", "handler"]
)
EVENTS_CONSUMED = Counter(
    "kesos_events_consumed_total", "Stream entries consumed", ["service", "type", "outcome"]
)
EVENTS_PUBLISHED = Counter(
    "kesos_events_published_total", "Events published by the outbox relay", ["service", "type"]
)
RELAY_LEADING = Gauge(
    "kesos_relay_leading", "1 while this process's outbox relay publishes (one per service)",
    ["service"],
)  # fmt: skip
OUTBOX_BACKLOG = Gauge("kesos_outbox_backlog", "Outbox rows not yet published", ["service"])
GROUP_LAG = Gauge("kesos_group_lag", "Entries not yet read by the group", ["service", "stream"])
GROUP_PENDING = Gauge("kesos_group_pending", "Entries read but not acked", ["service", "stream"])
DEAD_LETTERS = Gauge("kesos_dead_letters", "Entries in the dead-letter stream", ["service"])
