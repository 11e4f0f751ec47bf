#!/usr/bin/env bash
# Notebook 12's experiment as separate processes on this machine: one SuperLink (the server's
# side of Flower), one SuperNode per vehicle, then `flwr run` submits the app. Run from the
# repository root with the `flower` extra installed:  bash flower_app/run_localhost.sh
# Extra arguments go to `flwr run`, e.g. dropped clients:
#   bash flower_app/run_localhost.sh --run-config "drop-probability=0.3"
# (N_VEHICLES=5 bash flower_app/run_localhost.sh for five vehicles). The server writes
# flower_results.json (global parameters per round, arrivals, dropped vehicles, accuracy, Flower's
# error for each failed reply) in the directory this script runs from; compare it with
# qkit.fl.flower.run_reference for the same setting.
set -euo pipefail
N=${N_VEHICLES:-3}
export FLWR_HOME=${FLWR_HOME:-$(mktemp -d)}
cat > "$FLWR_HOME/config.toml" <<TOML
[superlink]
default = "local"

[superlink.local]
address = "127.0.0.1:8000"
insecure = true
TOML
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
flower-superlink --insecure --disable-runtime-dependency-installation > superlink.log 2>&1 & pids+=($!)
sleep 8
for ((k = 0; k < N; k++)); do
  flower-supernode --insecure --superlink 127.0.0.1:8000 --port $((9094 + k)) \
    --node-config "partition-id=$k num-partitions=$N" > "supernode-$k.log" 2>&1 & pids+=($!)
done
sleep 10
flwr run flower_app local --stream --run-config "n-vehicles=$N" "$@"
