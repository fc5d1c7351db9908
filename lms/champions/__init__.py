"""AI champions: employees who volunteer to help colleagues of their function or team with AI.
Programme owners confirm them; confirmed champions are listed for everyone, review shared use
cases (lms.usecases), may host office hours (lms.officehours asks :func:`service.is_champion`)
and earn the champion badge."""
