"""The rules, clause by clause: shared pieces (forms, turnout, grading) and one module per rule set."""
