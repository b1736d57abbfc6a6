"""Bandmate ML: data, models, training, export and evaluation of the AI band member."""
