"""Data sets shipped with sknnscratch."""

from sknnscratch.datasets._heart_disease import load_heart_disease

__all__ = ["load_heart_disease"]
