"""How the registry is reached: its HTTP API and its event consumers."""
