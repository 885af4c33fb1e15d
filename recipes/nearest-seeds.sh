#!/usr/bin/env bash
# N's recipe (recipes/nearest.sh) with two other seeds, 50 and 51: the ensemble Ns measures how far the
# scoreboard moves between seeds of one recipe (docs/history.md, "Seeds of one recipe, Ns"). Not a candidate.
# Its worktree as recipes/nearest.sh says; measured with bash recipes/measure.sh Ns (the arguments as for N).
NAME=Ns SEEDS="50 51" exec bash "$(dirname "$0")/nearest.sh"
