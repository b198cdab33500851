"""How work reaches the service: HTTP, stream consumers and the dispatcher loop."""
