"""Named entities: the spaCy pipelines and their rule components (people, places, companies,
organisations, wire lines), the name lists and data/ files they read, language detection and the
matmul choice for the models' dense layers.

Pure: imports spaCy and its siblings here, services.common.exceptions, and of the other rule rooms
only syndication.outlets (the outlet names the models know); never Kafka, Faust, HTTP, the worker,
services.enrich.app or ingest (tests/unit/test_import_rules.py).
"""
