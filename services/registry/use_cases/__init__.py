"""One async function per use case, taking the unit of work, the actor and `now` (DESIGN.md §10).

They never commit: the HTTP entrypoint commits per request, the consumer runner per batch.
"""
