"""The HTTP chassis every service stands on: app factory, errors, auth, idempotency, health."""
