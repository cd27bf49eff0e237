"""The code behind helpers.py, by topic: common (files, seeds, loops), speech (Problems 1-2), cifar (3-4)."""
