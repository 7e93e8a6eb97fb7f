"""CLIR methods beyond the baselines (dense retrieval and distillation)."""
