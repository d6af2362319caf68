#!/usr/bin/env bash
# Usage: bash tools/dist_train.sh CONFIG GPUS [train.py args]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR and PORT from the environment
# (see dist_launch.sh). Without GPUs the processes use gloo on CPU.
CONFIG=$1
GPUS=$2

exec bash "$(dirname "$0")/dist_launch.sh" train.py "$GPUS" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
