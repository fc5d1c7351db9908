"""The learner journey: catalog, enrolment, reading modules, quizzes and the baseline assessment."""
