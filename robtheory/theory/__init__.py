"""Numeric theory: closed forms generated from robtheory.symbolic, the fast grid kernels and the
trade-off frontiers. Nothing here samples (that is robtheory.mc) or trains (robtheory.training)."""
