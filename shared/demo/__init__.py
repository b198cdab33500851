"""`kesos demo`: the Tapin story of DOMAIN.md §6, played against the running system's HTTP APIs."""
