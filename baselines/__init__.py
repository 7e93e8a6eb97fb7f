"""Baselines: methods that the paper-style comparison is made against."""
