"""Republication detection: body fingerprints, the copy index and the one rule that calls an article
a copy. The worker's replica of the index, which reads a Kafka topic, is services.enrich.worker.copy_replica.

Pure: imports numpy, rensa and of the other rule rooms only syndication.outlets (slug); never Kafka,
Faust, HTTP, the worker, services.enrich.app or ingest (tests/unit/test_import_rules.py).
"""
