"""What happened during training, epoch by epoch, and which epoch was kept and why.

Kept apart from ``train.py`` and ``report.py`` so that both can use it without
importing each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class History:
    epochs: list[dict[str, float]] = field(default_factory=list)
    best_score: float = -math.inf
    best_val_loss: float = math.inf
    best_epoch: int = -1
    stale: int = 0

    @property
    def kept(self) -> str:
        """One sentence for the report: the epoch whose weights were kept, and the criterion that chose it."""
        if self.best_epoch < 0:
            return "no epoch was kept"
        row = self.epochs[self.best_epoch]
        return (f"epoch {self.best_epoch + 1} of {len(self.epochs)}: the best validation balanced accuracy "
                f"({row['val_balanced']:.1%}, mean recall over the classes training and validation share), "
                f"ties broken by the lower validation loss ({row['val_loss']:.3f})")  # fmt: skip
