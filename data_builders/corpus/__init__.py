"""The embedded corpus of real sounds (`adcacc corpus`): a catalog of packaged recordings cut,
rendered and mixed into events.csv / bases.csv, the default input of `adcacc build`."""
