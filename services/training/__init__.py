"""The training service: diklat tiers, batches (angkatan), enrolments, attendance, certificates."""

NAME = "training"
