"""Store, template file and channel adapters of the notifications service."""
