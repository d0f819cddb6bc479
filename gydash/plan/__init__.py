"""What the plan asks and how far it has come: target, duty, ledger, commendation, county and scoreboard engines."""
