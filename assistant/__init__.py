"""Turns a listener's question into an answer grounded in, and citing, the podcast's content."""
