"""adcacc: the `adcacc` command over the library packages, and the experiment runner.

`cli.py` wires the subcommands of `data_builders`, `evals`, `adiff_small` and `recipes` into
one command; the rest is the library behind `adcacc run` (experiment, plan, runner, stages)
and the quickstart.
"""
