"""Turns podcast sources (articles, transcripts, feeds) into embedded chunks in the store."""
