"""Jupyter widgets over a simulated cluster: Stepper, Switchboard, FaultPanel, Inspector, Quiz and MockInterview.

They read `kubeteach.viz` and the core and import nothing of Jupyter beyond ipywidgets, so they can be made and
driven without a kernel (`stepper.step_button.click()`), as the tests do. A panel given a Stepper instead of a
Cluster follows the Stepper's current cluster through Back and Reset, refreshes after each click, and takes an
undo checkpoint before it changes the cluster, so Back undoes a fault or a switch too.
"""

from .faultpanel import FaultPanel
from .inspector import Inspector
from .interview import MockInterview
from .quiz import Quiz
from .stepper import Stepper
from .switchboard import Switchboard
from .undo import copy_cluster

__all__ = ["FaultPanel", "Inspector", "MockInterview", "Quiz", "Stepper", "Switchboard", "copy_cluster"]
