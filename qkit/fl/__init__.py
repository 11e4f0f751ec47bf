"""qkit.fl: federated learning over a wireless uplink (Secs. III and IV of the DQFL paper).

Modules
-------
aggregate   FedAvg, circular means for angles, partial (per-block) aggregation, FedBN, FedProx
partition   non-IID splits of the plates across vehicles (Dirichlet label skew, camera conditions)
rounds      QFL and DQFL training rounds and their per-round metrics
"""

from qkit.fl import aggregate

__all__ = ["aggregate"]
