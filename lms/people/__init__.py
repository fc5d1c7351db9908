"""People and the organisation: users, the org tree, org chart import and admin pages."""
