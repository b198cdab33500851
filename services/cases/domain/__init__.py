"""Case rules: the workflow as a transition table, role guards, auto-assignment.

Pure Python: no SQLAlchemy, FastStream, FastAPI or settings here. Time and ids come in as
arguments, so every rule is tested without a clock or a store.
"""
