"""Events the cases service publishes on `<namespace>.cases.events`.

PMKS cases from report through assignment, verification, assessment and referral to closing;
events carry ids, codes and states, never personal details. Each event is a frozen `Event`
registered in `CATALOG` with `@CATALOG.register`; they arrive with the issues that build the
cases service.
"""
