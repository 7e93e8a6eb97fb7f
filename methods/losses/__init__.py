"""Distillation losses on encoder outputs: sentence-level KD and CAL, token-level OPTICAL.

Pure functions of tensors; the training loop that produces the embeddings lives elsewhere.
See README.md in this folder for the exact formulas.
"""

from methods.losses.cal import cal_loss
from methods.losses.kd import kd_loss
from methods.losses.optical import OpticalOutput, optical_loss

__all__ = ["OpticalOutput", "cal_loss", "kd_loss", "optical_loss"]
