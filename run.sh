#!/usr/bin/env bash
echo "run.sh: not written yet" >&2; exit 1
