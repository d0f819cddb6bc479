"""Who may do what: staff sign-in, county and city roles, county accounts limited to their own rows."""
