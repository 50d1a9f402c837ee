"""The ground floor every adcacc package may use: the input-error type, atomic files and CSV,
audio load/resample/write, and the path-containment check. It imports none of the others."""
