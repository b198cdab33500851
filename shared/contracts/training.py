"""Events the training service publishes on `<namespace>.training.events`.

Diklat batches, enrolments, attendance and certificates. Each event is a frozen `Event`
registered in `CATALOG` with `@CATALOG.register`; they arrive with the issues that build the
training service.
"""
