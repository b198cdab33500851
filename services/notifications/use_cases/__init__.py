"""One async function per use case, each taking an open unit of work (DESIGN.md §10)."""
