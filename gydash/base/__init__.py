"""The words every stage shares: the plan as data, the data contract, the clock, problems, status palette, formats."""
