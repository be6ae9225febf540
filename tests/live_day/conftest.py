# The day's fixtures (a fixed clock, a stage with a route and checkpoints) are shared.
from tests.daylog.conftest import clock, day

__all__ = ["clock", "day"]
