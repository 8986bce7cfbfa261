"""CI integrations: the logic behind the GitHub Action's ``run:`` steps, kept in Python to be testable."""
