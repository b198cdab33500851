"""`make run`: the whole system on one machine, with embedded defaults (DESIGN.md §9)."""
