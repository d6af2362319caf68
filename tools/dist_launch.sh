#!/usr/bin/env bash
# Usage: bash tools/dist_launch.sh TOOL GPUS [TOOL args]
# The launcher behind dist_train.sh and dist_test.sh: runs tools/TOOL in
# GPUS processes per node through torch.distributed.run, with the
# repository root on PYTHONPATH; TOOL args are passed on as they are.
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR and PORT from the environment.
TOOL=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
python -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/$TOOL" \
    "${@:3}"
