"""The registry's store: its tables, repositories and unit of work."""
