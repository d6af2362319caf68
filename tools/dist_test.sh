#!/usr/bin/env bash
# Usage: bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR and PORT from the environment
# (see dist_launch.sh).
CONFIG=$1
CHECKPOINT=$2
GPUS=$3

exec bash "$(dirname "$0")/dist_launch.sh" test.py "$GPUS" \
    "$CONFIG" \
    "$CHECKPOINT" \
    --launcher pytorch "${@:4}"
