"""Rasa NLU components of our own (loaded by config.yml's pipeline)."""
