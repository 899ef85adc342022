"""`civicloop bench <suite>`: the performance benchmarks. Each suite's loader lives beside its app
(<app>/bench.py); this app holds the command and the cross-app `bench load` mix. No app uses it."""
