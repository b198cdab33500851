"""Events the notifications service publishes on `<namespace>.notifications.events`.

Whether a notification was sent or failed, by id and channel, never its text or the recipient's
contact. Each event is a frozen `Event` registered in `CATALOG` with `@CATALOG.register`; they
arrive with the issues that build the notifications service.
"""
