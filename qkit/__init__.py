"""qkit: a Jupyter teaching kit.

From the photons of an integrated quantum random number generator chip to a fleet
of autonomous vehicles training a quantum classifier together.

Subpackages
-----------
qkit.qrng     the QRNG chip's entropy model (Poisson photons, ADC pile-up, noise,
              min-entropy, frame rejection, SP 800-90B estimators)
qkit.qnn      a batched numpy statevector simulator, QNN and dynamic QNN models
qkit.fl       federated learning over a fading, superposition-coded uplink
qkit.data     synthetic licence-plate characters
qkit.widgets  interactive figures for the notebooks (ipywidgets)
qkit.plots    the kit's matplotlib style and shared figures
qkit.exercises  feedback for learners' exercise answers

Every chapter ends with ``qkit.show_versions()``: the package versions it ran with.

Large arrays are checked against a memory budget before they are allocated (4 GiB unless
``qkit.set_memory_budget`` or the environment variable ``QKIT_MEMORY_BUDGET_GIB`` says otherwise).
"""

__version__ = "0.1.0"

from ._validate import memory_budget, set_memory_budget
from ._versions import package_versions, show_versions

__all__ = ["__version__", "memory_budget", "set_memory_budget", "package_versions", "show_versions"]
