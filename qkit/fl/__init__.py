"""qkit.fl: federated learning over a wireless uplink (Secs. III and IV of the DQFL paper).

Modules
-------
aggregate   FedAvg, circular means for angles, partial (per-block) aggregation, FedBN, FedProx
partition   non-IID fleets: Dirichlet label skew, a camera per vehicle, the default plate task
clients     the vehicles' side: data, local training, what they send (base mask, angle periods),
            a personalised input layer, vehicles placed in a cell
batchnorm   FedBN as published: a batch-normalisation input layer kept on each vehicle
channel     path loss, Rayleigh fading, superposition coding and successive decoding
scenario    the public-safety scenario: routes, task reports, sensing
rounds      QFL, DQFL and classical FL rounds and their per-round metrics
uplink      scheduling K of N vehicles, a shared bandwidth, quantised uploads
cost        circuit executions and time per training sample on quantum hardware
exits       choosing the exit from what arrived and a validation set; fixed-exit references
"""

from qkit.fl import aggregate, batchnorm, channel, clients, cost, exits, partition, rounds, scenario, uplink

__all__ = ["aggregate", "partition", "clients", "batchnorm", "channel", "scenario", "rounds", "uplink", "cost",
           "exits"]
