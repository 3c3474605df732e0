"""Syndication: who a story comes from (origin), who contributed and who is credited, from datelines,
credit notes and the outlet registry (data/outlets.json, data/agencies.json).

Pure: imports its siblings here, services.common.exceptions, and of the other rule rooms only
entities.name_lists (given names); never Kafka, Faust, HTTP, the worker, services.enrich.app or
ingest (tests/unit/test_import_rules.py).
"""
