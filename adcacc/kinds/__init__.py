"""One module per stage kind of `adcacc run`: which stages of an experiment it adds (`plan`),
what one of them does (`run`, a library call; the one subprocess is `swift sft`), how a dry run
describes it (`describe`) and what it should cost (`cost`), and the SLURM step it runs in
(`STEP`). `adcacc.stage_kinds` lists them in plan order. A kind's fingerprinted code is its
module and every module of ours it imports (`adcacc.plan.code_digest`), so this package
imports nothing: one kind's edit never reruns another's stages."""
